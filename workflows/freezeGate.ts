import { condition, patched } from '@temporalio/workflow';
import { freezeCovers } from '../contract/freeze';
import type { PlannedStep } from '../domain/planSteps';
import { changeControl } from './activityProxies';
import type { RolloutRun } from './rolloutRun';

/**
 * A rollout's side of the freeze calendar (workflows/freezeRecord.ts): before each step it asks
 * which freezes are in force for its fleet (an activity: the clock and the time zones live
 * there), keeps those that hold this step's targets, and waits at the boundary until they end.
 * A stop, a rollback, a pause or resume, and a freeze removed or a break-glass granted
 * (freezeChanged) end the wait early; the caller then looks at all of them again before the step,
 * so a freeze never stands in the way of stopping or rolling back. Histories from before freezes
 * never ask (patched).
 */
export const FREEZE_PATCH = 'freeze-calendar';

/** A lost freezeChanged costs at most this long: the wait re-checks even when nothing told it to. */
const RECHECK_MS = 60 * 60 * 1000;

/** Waits while a freeze holds `step`. True when it waited (look at pause, stop and change control again), false when nothing holds it. */
export async function waitOutFreeze(run: RolloutRun, step: PlannedStep): Promise<boolean> {
  if (!patched(FREEZE_PATCH)) return false;
  const { controls, tracker, fleet } = run;
  const check = await changeControl.checkFreezes({ rolloutId: run.input.rolloutId, fleet: fleet.name });
  const targets = step.targets.map((id) => run.target(id));
  const holding = check.inForce.filter((f) => freezeCovers(f.scope, fleet.name, targets));
  if (holding.length > 0 && check.override) tracker.freezes.overridden(check.override, holding);
  if (holding.length === 0 || check.override) {
    tracker.freezes.thawed();
    return false;
  }
  const until = holding.map((f) => f.until).sort().at(-1) as string;
  tracker.freezes.frozen({ step: step.name, until, freezes: holding.map(({ name, reason, until: end, untilLocal, timeZone }) => ({ name, reason, until: end, untilLocal, timeZone })) });
  controls.freezeRecheck = false;
  const paused = controls.paused;
  const waitMs = Math.max(1000, Math.min(Date.parse(until) - Date.now(), RECHECK_MS));
  await condition(() => controls.halted || controls.freezeRecheck || controls.paused !== paused, waitMs);
  if (controls.halted) tracker.freezes.thawed(false);
  return true;
}
