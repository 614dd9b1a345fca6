import { Context } from '@temporalio/activity';
import { WithStartWorkflowOperation, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { acquireLeaseUpdate, LEASE_HELD, leaseCheckInSignal, type LeaseGrant, type LeaseRequest } from '../contract/lease';
import { WorkflowType, type FleetLeaseWorkflow } from '../contract/workflowTypes';

/**
 * The two things a lease needs that a workflow cannot do itself: start the fleet's lock if it
 * is not running while signalling it (signal-with-start), and ask Temporal how a rollout stands.
 * Both use the worker's own client, on the task queue this activity runs on.
 */
export const fleetLeaseActivities = {
  /** A rollout checks in with its fleet's lock; the lock answers with a signal. */
  async checkInFleetLease(args: { lockId: string; fleet: string; request: LeaseRequest }): Promise<void> {
    const { client, info } = Context.current();
    await client.workflow.signalWithStart<FleetLeaseWorkflow, [LeaseRequest]>(WorkflowType.fleetLease, {
      workflowId: args.lockId,
      taskQueue: info.taskQueue,
      args: [{ fleet: args.fleet, holders: [], queue: [] }],
      signal: leaseCheckInSignal,
      signalArgs: [args.request],
    });
  },

  /**
   * A start's reservation made from a workflow (a train's run), as `rollout start` makes it from
   * the CLI (client/fleetLeaseClient.ts): one Update-with-start on the fleet's lock. A lease held
   * by another rollout is an answer, not a failure: the run then starts nothing.
   */
  async reserveFleetLease(args: { lockId: string; fleet: string; request: LeaseRequest }): Promise<{ granted: LeaseGrant } | { refused: string }> {
    const { client, info } = Context.current();
    const startWorkflowOperation = new WithStartWorkflowOperation<FleetLeaseWorkflow>(WorkflowType.fleetLease, {
      workflowId: args.lockId,
      taskQueue: info.taskQueue,
      args: [{ fleet: args.fleet, holders: [], queue: [] }],
      workflowIdConflictPolicy: 'USE_EXISTING',
    });
    try {
      return { granted: await client.workflow.executeUpdateWithStart(acquireLeaseUpdate, { args: [args.request], startWorkflowOperation }) };
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError) {
        const cause = err.cause as (Error & { type?: string }) | undefined;
        if (cause?.type === LEASE_HELD) return { refused: cause.message };
        return { refused: cause?.message ?? err.message };
      }
      throw err;
    }
  },

  /**
   * How each rollout stands, by workflow id: "running", or how it ended ("completed",
   * "terminated", "timed_out", ...), or "not found" (never started, or long gone).
   */
  async rolloutStates(rolloutIds: string[]): Promise<Record<string, string>> {
    const { client } = Context.current();
    const states = await Promise.all(rolloutIds.map(async (id) => {
      try {
        const description = await client.workflow.getHandle(id).describe();
        return [id, description.status.name.toLowerCase()] as const;
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return [id, 'not found'] as const;
        throw err;
      }
    }));
    return Object.fromEntries(states);
  },
};
