import { patched } from '@temporalio/workflow';
import type { StepResult } from '../contract/step';
import type { PlannedStep } from '../domain/planSteps';
import type { RolloutStatus } from '../domain/rolloutStatus';
import { quarantineOnTrip } from './changeControlGate';
import { degradeFeature } from './degrade';
import { isDrill } from './drill';
import { holdUntilDecided, honourStopOrRollback } from './rolloutHold';
import { regateStep } from './rolloutRegate';
import { rollBack } from './rolloutRollback';
import type { RolloutRun } from './rolloutRun';

/**
 * The breaker tripped in `step`: trip, and when a human resumes, judge the step again before any
 * new target is touched; a re-gate that breaches is another trip. Null: the step passed its
 * re-gate (or, on histories from before re-gating, the rollout was resumed) and goes on.
 */
export async function onBreach(run: RolloutRun, step: PlannedStep, result: StepResult): Promise<RolloutStatus | null> {
  for (let breached = result, again = false; ;) {
    const decided = await trip(run, step, breached, again);
    if (decided) return decided;
    if (!patched('regate-after-breach-resume')) return null;
    for (;;) {
      const regate = await regateStep(run, step);
      if (regate.outcome === 'passed') return null;
      if (regate.outcome === 'breached') {
        breached = regate;
        again = true;
        break;
      }
      // Stopped during the re-gate: roll back, or (stop --then hold, resumed) judge it again.
      const stopped = await honourStopOrRollback(run);
      if (stopped) return stopped;
    }
  }
}

/**
 * One trip: open (or report into) the incident, tell the affected customers, switch the
 * playbook's feature off when it names one, then roll back automatically, or hold for a human.
 * Null: held and resumed. `again`: a trip after an earlier one in this rollout.
 */
async function trip(run: RolloutRun, step: PlannedStep, result: StepResult, again: boolean): Promise<RolloutStatus | null> {
  const { input, playbook, fleet, tracker, controls, incidents, customers } = run;
  tracker.breakerTripped(step.name, result);
  // A drill's fault was put there on purpose: its build is no evidence against a real release.
  if (!isDrill(input)) await quarantineOnTrip(run, step.name, result.reasons);
  if (playbook.incidents && input.escalation !== undefined && patched('incident-on-breaker')) {
    const reason = `${step.name}${again ? ' (tripped again after a resume)' : ''}: ${result.reasons.join('; ')}`;
    await incidents.report(playbook.incidents, input.escalation, reason, 'breaker tripped again');
  }
  const automated = playbook.incidents?.automatedRollback !== false;
  customers?.breached(run.changedTargetIds(), playbook.onBreach === 'rollback' && automated && !playbook.degrade);
  let contained = false;
  if (playbook.degrade && patched('degrade-before-rollback')) {
    const changedIds = run.changedIds();
    contained = await degradeFeature({
      rolloutId: input.rolloutId,
      feature: playbook.degrade.feature,
      changed: fleet.targets.filter((t) => changedIds.has(t.id)),
      untouched: fleet.targets.filter((t) => !changedIds.has(t.id)),
      health: playbook.health,
      maxParallel: playbook.maxParallel,
      tracker,
    });
    await incidents.note(contained ? 'contained' : 'degrade did not help', `${playbook.degrade.feature} switched off on the changed targets`);
  }
  const holdDegraded = contained && playbook.degrade?.then === 'hold';
  if (playbook.onBreach === 'rollback' && automated && !holdDegraded) {
    return rollBack(run, `health gate breached in ${step.name}: ${result.reasons.join('; ')}`);
  }
  const why = holdDegraded
    ? `degraded (${playbook.degrade?.feature} off) and healthy: roll back or resume when ready`
    : automated ? 'paused by playbook' : 'automated rollback is not possible: follow the manual recovery steps';
  if ((await holdUntilDecided(run, `health gate breached in ${step.name}; ${why}`)) === 'rollback') {
    return rollBack(run, 'rollback requested after breach', controls.rollbackBy());
  }
  // Resumed with the feature off on the changed targets: the targets installed from now on get it off too.
  if (holdDegraded && playbook.degrade && patched('degraded-feature-stays-off')) run.degradedFeature = playbook.degrade.feature;
  return null;
}
