import { patched } from '@temporalio/workflow';
import { describeQuarantine, type Quarantine } from '../contract/changeControl';
import type { RolloutStatus } from '../domain/rolloutStatus';
import { changeControl } from './activityProxies';
import { holdUntilDecided } from './rolloutHold';
import { rollBack } from './rolloutRollback';
import type { RolloutRun } from './rolloutRun';

/**
 * A rollout's side of change control (workflows/changeControl.ts): its version is looked up
 * before planning lets it start and again before every step, so a quarantine stops a rollout
 * that was started through Temporal directly, or whose hold the quarantining command could not
 * deliver, at the next step boundary at the latest. Histories from before change control do not
 * look (patched), so they replay as they ran.
 */
export const CHANGE_CONTROL_PATCH = 'change-control';

/** The version's quarantine, or null; always null on histories from before change control. */
export async function quarantineOf(version: string): Promise<Quarantine | null> {
  if (!patched(CHANGE_CONTROL_PATCH)) return null;
  return changeControl.quarantineOf({ version });
}

/** Before a step: a version quarantined by someone else holds where it stands until a human resumes (after lifting it) or rolls back. */
export async function holdIfQuarantined(run: RolloutRun): Promise<RolloutStatus | null> {
  const q = await quarantineOf(run.input.release.version);
  // Its own breaker's quarantine is for the rollouts after it: this one was held or rolled back
  // by that trip already, and a human who resumed it has decided.
  if (!q || q.rolloutId === run.input.rolloutId) return null;
  if ((await holdUntilDecided(run, `${describeQuarantine(q)}; targets held as they are`)) === 'rollback') {
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
