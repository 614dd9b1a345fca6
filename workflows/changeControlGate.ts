import { CancellationScope, getExternalWorkflowHandle, patched, workflowInfo } from '@temporalio/workflow';
import { rolloutEndedSignal } from '../contract/changeControl';
import { changeControlWorkflowId } from '../contract/ids';
import type { RolloutStatus } from '../domain/rolloutStatus';
import { changeControl } from './activityProxies';
import { holdUntilDecided } from './rolloutHold';
import { rollBack } from './rolloutRollback';
import type { RolloutRun } from './rolloutRun';

/**
 * A rollout's side of change control (workflows/changeControl.ts). At planning it asks to be
 * admitted (refused while its version is quarantined or the line is stopped; admitted, it is
 * counted as running until it ends, so stopping the line reaches it); before every step it looks
 * again, so a quarantine or a stopped line that the stopping command could not deliver holds it at
 * the next step boundary at the latest. Histories from before change control do none of this
 * (patched), so they replay as they ran.
 */
export const CHANGE_CONTROL_PATCH = 'change-control';

export class ChangeControlPass {
  private admitted = false;

  constructor(readonly rolloutId: string) {}

  /** Null when admitted (or on a history from before change control), else why the rollout may not start. */
  async admit(version: string): Promise<string | null> {
    if (!patched(CHANGE_CONTROL_PATCH)) return null;
    const answer = await changeControl.admitRollout({ rolloutId: this.rolloutId, version });
    if (!answer.admitted) return answer.reason;
    this.admitted = true;
    return null;
  }

  /** The rollout has ended: it no longer counts as running. Never cancelled, never fails the rollout. */
  async leave(): Promise<void> {
    if (!this.admitted) return;
    this.admitted = false;
    const id = changeControlWorkflowId(workflowInfo().taskQueue);
    await CancellationScope.nonCancellable(async () => {
      await getExternalWorkflowHandle(id).signal(rolloutEndedSignal, { rolloutId: this.rolloutId }).catch(() => undefined);
    });
  }
}

/** Before a step: quarantined by someone else, or the line stopped: hold where it stands until a human resumes or rolls back. */
export async function holdIfBarred(run: RolloutRun): Promise<RolloutStatus | null> {
  if (!patched(CHANGE_CONTROL_PATCH)) return null;
  const bar = await changeControl.changeControlBar({ rolloutId: run.input.rolloutId, version: run.input.release.version });
  if (!bar) return null;
  if ((await holdUntilDecided(run, `${bar}; targets held as they are`)) === 'rollback') {
    return rollBack(run, 'rollback requested', run.controls.rollbackBy());
  }
  return null;
}

/** The breaker tripped: quarantine the version (playbook `quarantineOnBreach`, on by default). */
export async function quarantineOnTrip(run: RolloutRun, stepName: string, reasons: string[]): Promise<void> {
  if (!run.playbook.quarantineOnBreach || !patched(CHANGE_CONTROL_PATCH)) return;
  const { version } = run.input.release;
  await changeControl.quarantineAfterBreach({ version, rolloutId: run.input.rolloutId, reason: `breaker tripped in ${stepName}: ${reasons.join('; ')}`.slice(0, 500) });
  run.tracker.versionQuarantined(version);
}
