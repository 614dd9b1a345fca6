import { condition, ContinueAsNew, patched } from '@temporalio/workflow';
import type { PlannedStep } from '../domain/planSteps';
import type { RolloutInput } from '../domain/rolloutInput';
import type { RolloutStatus } from '../domain/rolloutStatus';
import { ChangeControlPass, holdIfBarred } from './changeControlGate';
import { keepFeatureOff } from './degrade';
import { waitOutFreeze } from './freezeGate';
import { onBreach } from './rolloutBreaker';
import { honourStopOrRollback } from './rolloutHold';
import { planRollout } from './rolloutPlanning';
import { ReleaseReporter } from './releaseReporter';
import { RolloutLease } from './rolloutLease';
import type { RolloutRun } from './rolloutRun';
import { runStep, waitForApproval } from './rolloutSteps';

/**
 * A release rolled out the safe way: planning checks, artifact verification, then dogfood,
 * canary and waves, each baked and gated on health; a breach, a stop or a rollback command
 * returns every changed target to its last known good version, newest first.
 *
 * The stages, each in its own file around one RolloutRun (rolloutRun.ts): planning and
 * verification (rolloutPlanning.ts), running a step (rolloutSteps.ts), the breaker
 * (rolloutBreaker.ts), rollback (rolloutRollback.ts), stop and hold (rolloutHold.ts).
 */
export async function rolloutWorkflow(input: RolloutInput): Promise<RolloutStatus> {
  // The fleet's lease (rolloutLease.ts) is given back however the rollout ends, failure included;
  // a continue-as-new carries on the same rollout and keeps it. So is its place among change
  // control's running rollouts (changeControlGate.ts).
  const lease = new RolloutLease(input.rolloutId);
  const pass = new ChangeControlPass(input.rolloutId);
  // However it ends, the release report is written before the lease goes: the next rollout of the
  // playbook waiting for the fleet reads it at its planning (release-report: not in older histories).
  const reporter = new ReleaseReporter(patched('release-report'));
  try {
    const status = await runRollout(input, lease, pass, reporter);
    await reporter.write();
    await lease.release();
    await pass.leave();
    return reporter.answer(status);
  } catch (err) {
    if (!(err instanceof ContinueAsNew)) {
      await reporter.write();
      await lease.release();
      await pass.leave();
    }
    throw err;
  }
}

async function runRollout(input: RolloutInput, lease: RolloutLease, pass: ChangeControlPass, reporter: ReleaseReporter): Promise<RolloutStatus> {
  const run = await planRollout(input, lease, pass, reporter);
  run.reporter = reporter;
  const { steps, controls, tracker } = run;

  await waitForApproval(run, null, false);
  let waveIndex = 0;
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i] as PlannedStep;
    if (step.kind === 'wave') waveIndex++;
    if (!controls.halted) await waitForApproval(run, step, step.kind === 'wave' && waveIndex === 1);
    const decidedBeforeStep = await atStepBoundary(run, step);
    if (decidedBeforeStep) return decidedBeforeStep;

    const later = new Set(steps.slice(i).flatMap((s) => s.targets));
    controls.promoted = false;
    tracker.stepStarted(step, waveIndex, run.waveCount);
    if (run.degradedFeature) await keepFeatureOff({ rolloutId: run.input.rolloutId, feature: run.degradedFeature, targets: step.targets.map((id) => run.target(id)), maxParallel: run.playbook.maxParallel, tracker });
    const result = await runStep(run, step, later);
    tracker.stepEnded(step.name, result);
    if (result.outcome === 'passed') run.customers?.stepPassed(step);

    if (result.outcome === 'breached') {
      const decided = await onBreach(run, step, result);
      if (decided) return decided;
      continue;
    }
    if (result.outcome === 'halted') {
      const decided = await honourStopOrRollback(run);
      if (decided) return decided;
      i--; // resume re-runs the halted step; installs already done are replayed, not repeated
      if (step.kind === 'wave') waveIndex--;
    }
  }
  // A stop or rollback that arrived as the last step passed is still honoured.
  if (patched('honour-stop-after-last-step')) {
    const decided = await honourStopOrRollback(run);
    if (decided) return decided;
  }
  return complete(run);
}

/**
 * Before a step: a paused rollout starts no new step (the breaker and commands still work
 * meanwhile); a stop or rollback is honoured; change control may hold it; a freeze makes it wait,
 * and after every wait all of these are looked at again. A status when the rollout ended here.
 */
async function atStepBoundary(run: RolloutRun, step: PlannedStep): Promise<RolloutStatus | null> {
  const { controls } = run;
  for (;;) {
    await condition(() => !controls.paused || controls.halted);
    const decided = (await honourStopOrRollback(run)) ?? (await holdIfBarred(run));
    if (decided || !(await waitOutFreeze(run, step))) return decided;
  }
}

/** Every step passed: the release runs on every target but those pinned to N-1. */
async function complete(run: RolloutRun): Promise<RolloutStatus> {
  const { input, fleet, tracker, customers } = run;
  const pinned = tracker.status.targets.filter((t) => t.step === null).length;
  tracker.completed(`version ${input.release.version} on all ${fleet.targets.length - pinned} target(s)${pinned > 0 ? `; ${pinned} pinned to N-1 left alone` : ''}`);
  await customers?.finish('completed', run.changedTargetIds());
  return tracker.answer();
}
