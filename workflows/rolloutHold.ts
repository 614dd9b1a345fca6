import { condition } from '@temporalio/workflow';
import type { RolloutStatus } from '../domain/rolloutStatus';
import { rollBack } from './rolloutRollback';
import type { RolloutRun } from './rolloutRun';

/**
 * After a stop with hold, or a breach that pauses: targets stay as they are until a human resumes
 * or rolls back. Resuming lifts an emergency stop (a near miss worth a look).
 */
export async function holdUntilDecided(run: RolloutRun, reason: string): Promise<'resume' | 'rollback'> {
  const { controls, tracker } = run;
  controls.resumeRequested = false;
  tracker.held(reason);
  // An interim report: a held rollout may stay so for days, and its release review cannot wait.
  await run.reporter?.write(true);
  await condition(() => controls.resumeRequested || controls.rollback !== null);
  if (controls.rollback) return 'rollback';
  const liftedStop = controls.stop ? controls.stopBy() : null;
  controls.stop = null;
  tracker.holdLifted(liftedStop, controls.paused);
  return 'resume';
}

/** A stop or rollback was asked for: roll back, or hold until a human decides. Null: carry on. */
export async function honourStopOrRollback(run: RolloutRun): Promise<RolloutStatus | null> {
  const { controls } = run;
  if (controls.rollback) return rollBack(run, 'rollback requested', controls.rollbackBy());
  if (!controls.stop) return null;
  if (controls.stop.then === 'rollback') return rollBack(run, 'emergency stop', controls.stopBy());
  if ((await holdUntilDecided(run, 'stopped by emergency stop; targets held as they are')) === 'rollback') {
    return rollBack(run, 'rollback requested', controls.rollbackBy());
  }
  return null;
}
