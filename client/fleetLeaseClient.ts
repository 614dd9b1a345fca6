import { WithStartWorkflowOperation, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { fleetLeaseWorkflowId } from '../contract/ids';
import { acquireLeaseUpdate, LEASE_HELD, leaseReleaseSignal, leaseStateQuery, type FleetLeaseState, type LeaseBlocker, type LeaseGrant } from '../contract/lease';
import { WorkflowType, type FleetLeaseWorkflow } from '../contract/workflowTypes';
import { fleetSchema } from '../domain/fleet';
import { RejectedError } from './errors';

/** Another rollout holds (or waits for) targets this start would change; nothing was started. */
export class LeaseHeldError extends RejectedError {
  constructor(reason: string, readonly blockers: LeaseBlocker[]) {
    super('start', reason);
    this.name = 'LeaseHeldError';
  }
}

/** The fleet name and target ids a rollout input leases; null when its fleet does not parse (planning refuses it then). */
export function leasedTargets(fleet: unknown): { fleet: string; targets: string[] } | null {
  const parsed = fleetSchema.safeParse(fleet);
  return parsed.success ? { fleet: parsed.data.name, targets: parsed.data.targets.map((t) => t.id) } : null;
}

/**
 * A start's half of the fleet lease: one Update-with-start on the fleet's lock, so the lock is
 * started if it is not running and two starts are decided one after the other, never both.
 */
export class FleetLeaseClient {
  constructor(readonly client: Client, readonly taskQueue: string) {}

  /** Reserves the targets for `rolloutId` (granted, or queued with `queue`); LeaseHeldError when another rollout has them. */
  async reserve(args: { fleet: string; targets: string[]; rolloutId: string; by: string; queue: boolean; taskQueue?: string }): Promise<LeaseGrant> {
    const taskQueue = args.taskQueue ?? this.taskQueue;
    const startWorkflowOperation = new WithStartWorkflowOperation<FleetLeaseWorkflow>(WorkflowType.fleetLease, {
      workflowId: fleetLeaseWorkflowId(taskQueue, args.fleet),
      taskQueue,
      args: [{ fleet: args.fleet, holders: [], queue: [] }],
      workflowIdConflictPolicy: 'USE_EXISTING',
    });
    try {
      return await this.client.workflow.executeUpdateWithStart(acquireLeaseUpdate, {
        args: [{ rolloutId: args.rolloutId, targets: args.targets, by: args.by, queue: args.queue }],
        startWorkflowOperation,
      });
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError) {
        const cause = err.cause as (Error & { type?: string; details?: unknown[] }) | undefined;
        if (cause?.type === LEASE_HELD) throw new LeaseHeldError(cause.message, (cause.details?.[0] as LeaseBlocker[] | undefined) ?? []);
        throw new RejectedError('start', cause?.message ?? err.message);
      }
      throw err;
    }
  }

  /** Gives a reservation back when the rollout it was for could not be started. */
  async cancel(args: { fleet: string; rolloutId: string; taskQueue?: string }): Promise<void> {
    const id = fleetLeaseWorkflowId(args.taskQueue ?? this.taskQueue, args.fleet);
    await this.client.workflow.getHandle(id).signal(leaseReleaseSignal, { rolloutId: args.rolloutId });
  }

  /** Who holds which targets of a fleet, and who waits. */
  async state(fleet: string, taskQueue = this.taskQueue): Promise<FleetLeaseState> {
    return this.client.workflow.getHandle<FleetLeaseWorkflow>(fleetLeaseWorkflowId(taskQueue, fleet)).query(leaseStateQuery);
  }
}
