import { ActivityFailure, ApplicationFailure, condition } from '@temporalio/workflow';
import type { Target } from '../domain/fleet';
import { changeKey } from '../domain/rolloutInput';
import type { StepControl, StepInput, TargetChangeRecord } from '../contract/step';
import { targetActions } from './activityProxies';
import { isoNow } from './time';

function failureText(err: unknown): string {
  if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure) return err.cause.message;
  if (err instanceof ActivityFailure && err.cause) return err.cause.message;
  return err instanceof Error ? err.message : String(err);
}

export interface InstallRun {
  input: StepInput;
  /** Targets not yet started; lanes take from the front, what is left when they stop stays here. */
  queue: Target[];
  control: () => StepControl;
  installing: Set<string>;
  changes: TargetChangeRecord[];
  failures: { targetId: string; error: string }[];
  handoverDue: () => boolean;
}

/**
 * Installs the step's targets with bounded parallelism. Each lane takes the next target only when
 * not paused, halted or tripped, so a stop starts nothing new; when the history is due to hand
 * over, lanes finish what they started and stop. True: stopped to hand over, the rest still queued.
 */
export async function installTargets(run: InstallRun): Promise<boolean> {
  const { input, queue, installing, changes, failures } = run;
  const { step, release, rolloutId } = input;
  let handingOver = false;
  const installOne = async (target: Target) => {
    installing.add(target.id);
    try {
      const result = await targetActions.installTarget({
        key: changeKey(rolloutId, target.id, release.version, step.name),
        rolloutId,
        step: step.name,
        target,
        version: release.version,
        artifact: { path: release.artifactPath, sha256: release.sha256 },
      });
      changes.push({ targetId: target.id, step: step.name, version: result.version, previousVersion: result.previousVersion, at: isoNow() });
    } catch (err) {
      failures.push({ targetId: target.id, error: failureText(err) });
    } finally {
      installing.delete(target.id);
    }
  };
  const lane = async () => {
    for (;;) {
      await condition(() => run.control().halted || failures.length > 0 || !run.control().paused);
      if (run.control().halted || failures.length > 0 || queue.length === 0) return;
      if (handingOver || (handingOver = run.handoverDue())) return;
      await installOne(queue.shift() as Target);
    }
  };
  // At least one lane: a parallelism that is no positive whole number would otherwise install nothing and let the step pass.
  const lanes = Number.isInteger(step.maxParallel) && step.maxParallel > 0 ? step.maxParallel : 1;
  await Promise.all(Array.from({ length: Math.min(lanes, queue.length) }, lane));
  return handingOver;
}
