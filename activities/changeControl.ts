import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError } from '@temporalio/client';
import { breakerQuarantineSignal, changeControlStateQuery, type BreakerQuarantine, type ChangeControlInput, type Quarantine } from '../contract/changeControl';
import { changeControlWorkflowId } from '../contract/ids';
import { WorkflowType, type ChangeControlWorkflow } from '../contract/workflowTypes';

/**
 * What a rollout needs from change control (workflows/changeControl.ts) that a workflow cannot do
 * itself: read the record (a Query) and quarantine with signal-with-start, so the record is
 * started if this task queue has none yet. Both on the task queue this activity runs on.
 */
export const changeControlActivities = {
  /** The version's quarantine, or null when it has none (or no version was ever quarantined here). */
  async quarantineOf(args: { version: string }): Promise<Quarantine | null> {
    const { client, info } = Context.current();
    try {
      const state = await client.workflow.getHandle<ChangeControlWorkflow>(changeControlWorkflowId(info.taskQueue)).query(changeControlStateQuery);
      return state.quarantined.find((q) => q.version === args.version) ?? null;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return null;
      throw err;
    }
  },

  /** A tripped breaker quarantines its version; a version already quarantined stays as it was. */
  async quarantineAfterBreach(trip: BreakerQuarantine): Promise<void> {
    const { client, info } = Context.current();
    await client.workflow.signalWithStart<ChangeControlWorkflow, [BreakerQuarantine]>(WorkflowType.changeControl, {
      workflowId: changeControlWorkflowId(info.taskQueue),
      taskQueue: info.taskQueue,
      args: [{ state: { quarantined: [], lifted: [] } } satisfies ChangeControlInput],
      signal: breakerQuarantineSignal,
      signalArgs: [trip],
    });
  },
};
