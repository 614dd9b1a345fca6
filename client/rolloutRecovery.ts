import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { recoveryWorkflowId } from '../contract/ids';
import type { RecoverArgs, RecoveryInput, RecoveryMemo, RecoveryResult } from '../contract/recovery';
import { WorkflowType, type RecoveryWorkflow } from '../contract/workflowTypes';
import { fleetSchema } from '../domain/fleet';
import { playbookSchema } from '../domain/playbook';
import type { RecoverySummary } from '../domain/rolloutStatus';
import { RejectedError } from './errors';
import type { RolloutClient } from './rolloutClient';
import { readRecovery, readRolloutInput } from './rolloutExecution';
import { readRolloutStatus } from './rolloutStatusView';

/** A recovery was asked for before: its result stands (nothing is rolled back twice). */
export class AlreadyRecoveredError extends RejectedError {
  constructor(rolloutId: string, readonly summary: RecoverySummary, readonly result: RecoveryResult | null) {
    super('recover', `rollout ${rolloutId} was already recovered by ${summary.by} at ${summary.startedAt} (${summary.reason}): ${summary.state}${summary.endedAt ? '' : ', still under way'}; nothing was rolled back again`);
    this.name = 'AlreadyRecoveredError';
  }
}

/**
 * `rollout recover`: for a rollout that ended behind Rampart's back, rolls back what its install
 * journals say it changed, through the same verified rollback workflow, once. Refused (nothing
 * started) while it runs (`rollout rollback` is for that), when it ended by itself, and when it
 * was recovered before. Waits for the recovery's result.
 */
export async function recoverRollout(rollouts: RolloutClient, rolloutId: string, args: RecoverArgs): Promise<RecoveryResult> {
  const description = await rollouts.execution(rolloutId);
  if (description.status.name === 'RUNNING') {
    throw new RejectedError('recover', `rollout ${rolloutId} is still running and answers commands: roll it back with "rampart rollout rollback ${rolloutId}"`);
  }
  const earlier = await readRecovery(rollouts.client, rolloutId);
  // A recovery that ran (or runs) stands; one that was itself ended outside Rampart may run again.
  if (earlier && (earlier.result || earlier.summary.endedAt === null)) throw new AlreadyRecoveredError(rolloutId, earlier.summary, earlier.result);
  const ended = await rollouts.interruption(rolloutId);
  if (!ended) {
    const final = await rollouts.handle(rolloutId).result().catch(() => null);
    throw new RejectedError('recover', `rollout ${rolloutId} ended by itself (${final ? `${final.state}${final.outcome ? `: ${final.outcome.reason}` : ''}` : description.status.name.toLowerCase()}); there is nothing to recover`);
  }

  const input = await readRolloutInput(rollouts.client, rolloutId, ended.runId);
  const fleet = fleetSchema.safeParse(input.fleet);
  if (!fleet.success) throw new RejectedError('recover', `rollout ${rolloutId}'s fleet does not parse, so nothing it could have changed is known; nothing was done`);
  const playbook = playbookSchema.safeParse(input.playbook);
  // Its last answer (with its step's own progress) stands in for targets whose adapter keeps no
  // journal; none if no worker answers for the closed workflow.
  const lastKnown = await readRolloutStatus(rollouts, rolloutId).catch(() => null);
  const recovery: RecoveryInput = {
    rolloutId,
    by: args.by,
    reason: args.reason,
    interrupted: ended.interruption,
    targets: fleet.data.targets,
    installed: input.release.version,
    fallbackVersion: fleet.data.version,
    maxParallel: playbook.success ? playbook.data.rollback.maxParallel : 1,
    lastKnown: (lastKnown?.targets ?? []).map((t) => ({ targetId: t.id, version: t.version, previousVersion: t.previousVersion })),
  };
  const memo: RecoveryMemo = { by: args.by, reason: args.reason };
  try {
    const handle = await rollouts.client.workflow.start<RecoveryWorkflow>(WorkflowType.recovery, {
      taskQueue: description.taskQueue,
      workflowId: recoveryWorkflowId(rolloutId),
      args: [recovery],
      memo: { ...memo },
      // One recovery per rollout: a second (or a concurrent) one finds the first. Only one that
      // was terminated, cancelled or failed before its end may be run again under the same id.
      workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
    });
    return await handle.result();
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    const first = await readRecovery(rollouts.client, rolloutId);
    if (!first) throw err;
    throw new AlreadyRecoveredError(rolloutId, first.summary, first.result);
  }
}
