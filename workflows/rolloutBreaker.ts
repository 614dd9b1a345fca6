import { patched } from '@temporalio/workflow';
import type { StepResult } from '../contract/step';
import type { PlannedStep } from '../domain/planSteps';
import type { RolloutStatus } from '../domain/rolloutStatus';
import { degradeFeature } from './degrade';
import { holdUntilDecided } from './rolloutHold';
import { rollBack } from './rolloutRollback';
import type { RolloutRun } from './rolloutRun';

/**
 * The breaker tripped in `step`: open (or join) the incident, tell the affected customers, switch
 * the playbook's feature off when it names one, then roll back automatically, or hold for a human.
 * Null: the rollout was held and resumed, and goes on with the next step.
 */
export async function onBreach(run: RolloutRun, step: PlannedStep, result: StepResult): Promise<RolloutStatus | null> {
  const { input, playbook, fleet, tracker, controls, incidents, customers } = run;
  tracker.breakerTripped(step.name, result);
  if (playbook.incidents && input.escalation !== undefined && patched('incident-on-breaker')) {
    await incidents.open(playbook.incidents, input.escalation, `${step.name}: ${result.reasons.join('; ')}`);
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
  return null;
}
