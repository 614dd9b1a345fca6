import { Context } from '@temporalio/activity';
import { WithStartWorkflowOperation, WorkflowNotFoundError } from '@temporalio/client';
import {
  admitRolloutUpdate,
  breakerQuarantineSignal,
  changeControlStateQuery,
  changeControlBar,
  EMPTY_CHANGE_CONTROL,
  type Admission,
  type AdmitRollout,
  type BreakerQuarantine,
  type ChangeControlInput,
  type ChangeControlState,
} from '../contract/changeControl';
import { freezeHoldsFleet, type ActiveFreeze, type FreezeCheck } from '../contract/freeze';
import { changeControlWorkflowId } from '../contract/ids';
import { freezesInForce } from '../calendars/freezeCalendar';
import { WorkflowType, type ChangeControlWorkflow } from '../contract/workflowTypes';

const EMPTY: ChangeControlInput = { state: EMPTY_CHANGE_CONTROL };

/** Change control's record on this activity's task queue; null when none was ever started there. */
export async function readChangeControl(): Promise<ChangeControlState | null> {
  const { client, info } = Context.current();
  try {
    return await client.workflow.getHandle<ChangeControlWorkflow>(changeControlWorkflowId(info.taskQueue)).query(changeControlStateQuery);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return null;
    throw err;
  }
}

/**
 * What a rollout needs from change control (workflows/changeControl.ts) that a workflow cannot do
 * itself: be admitted with update-with-start and quarantine with signal-with-start (the record is
 * started if this task queue has none yet), and read the record (a Query). All on the task queue
 * this activity runs on.
 */
export const changeControlActivities = {
  /** Admits the rollout (and counts it as running), or says why it may not start. */
  async admitRollout(args: AdmitRollout): Promise<Admission> {
    const { client, info } = Context.current();
    const startWorkflowOperation = new WithStartWorkflowOperation<ChangeControlWorkflow>(WorkflowType.changeControl, {
      workflowId: changeControlWorkflowId(info.taskQueue),
      taskQueue: info.taskQueue,
      args: [EMPTY],
      workflowIdConflictPolicy: 'USE_EXISTING',
    });
    return client.workflow.executeUpdateWithStart(admitRolloutUpdate, { args: [args], startWorkflowOperation });
  },

  /**
   * Why this rollout may not take its next step, or null: its version quarantined by someone
   * else than its own breaker, or the line stopped.
   */
  async changeControlBar(args: { rolloutId: string; version: string }): Promise<string | null> {
    const state = await readChangeControl();
    return (state && changeControlBar(state, args.version, args.rolloutId)?.reason) ?? null;
  },

  /**
   * The freezes in force now for the rollout's fleet, and a break-glass granted to it that has
   * not ended. Here, not in the workflow: it needs the clock and the time-zone database.
   */
  async checkFreezes(args: { rolloutId: string; fleet: string }): Promise<FreezeCheck> {
    const state = await readChangeControl();
    const now = new Date();
    const override = (state?.freezeOverrides ?? []).find((o) => o.rolloutId === args.rolloutId && Date.parse(o.until) > now.getTime()) ?? null;
    return { inForce: freezesInForce(state?.freezes ?? [], args.fleet, now), override };
  },

  /** The freezes in force now that hold the whole fleet: what a train's run skips or defers for. */
  async fleetFreezes(args: { fleet: string }): Promise<ActiveFreeze[]> {
    const state = await readChangeControl();
    return freezesInForce(state?.freezes ?? [], args.fleet, new Date()).filter((f) => freezeHoldsFleet(f.scope, args.fleet));
  },

  /** A tripped breaker quarantines its version; a version already quarantined stays as it was. */
  async quarantineAfterBreach(trip: BreakerQuarantine): Promise<void> {
    const { client, info } = Context.current();
    await client.workflow.signalWithStart<ChangeControlWorkflow, [BreakerQuarantine]>(WorkflowType.changeControl, {
      workflowId: changeControlWorkflowId(info.taskQueue),
      taskQueue: info.taskQueue,
      args: [EMPTY],
      signal: breakerQuarantineSignal,
      signalArgs: [trip],
    });
  },
};
