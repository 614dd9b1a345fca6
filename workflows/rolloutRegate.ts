import { startChild } from '@temporalio/workflow';
import { regateWorkflowId } from '../contract/ids';
import type { StepResult } from '../contract/step';
import type { PlannedStep } from '../domain/planSteps';
import type { RolloutRun } from './rolloutRun';
import { spreadSample } from './analysis';
import { stepWorkflow } from './step';

/**
 * Judges a breached step again after a human resumed the rollout: the step's own child workflow,
 * run with nothing to install, whose candidates are every target changed so far (this step's and
 * earlier ones) against the targets of the later steps, over fresh analysis windows for the
 * step's whole bake. Nothing new is touched until it passes; a breach here is another trip.
 */
export async function regateStep(run: RolloutRun, step: PlannedStep): Promise<StepResult> {
  const { input, fleet, playbook, controls, tracker, steps } = run;
  const changedIds = run.changedIds();
  const index = steps.findIndex((s) => s.name === step.name);
  const later = new Set(steps.slice(index + 1).flatMap((s) => s.targets));
  run.regates++;
  tracker.regating(step.name, changedIds.size);
  controls.promoted = false;
  const sentControl = controls.forChild();
  controls.activeStep = await startChild(stepWorkflow, {
    workflowId: regateWorkflowId(input.rolloutId, step.name, run.regates),
    args: [{
      rolloutId: input.rolloutId,
      step: { ...step, targets: [] },
      targets: [],
      earlierCandidates: spreadSample(fleet.targets.filter((t) => changedIds.has(t.id))),
      baseline: spreadSample(fleet.targets.filter((t) => later.has(t.id) && !changedIds.has(t.id))),
      release: input.release,
      health: playbook.health,
      control: sentControl,
      requirePromote: playbook.method === 'parallel' && step.bakeMs > 0,
    }],
  });
  // A command accepted while the child was starting found no child to tell: tell it now.
  if (JSON.stringify(controls.forChild()) !== JSON.stringify(sentControl)) await controls.forward();
  const result = await controls.activeStep.result();
  controls.activeStep = null;
  tracker.stepEnded(step.name, result);
  return result;
}
