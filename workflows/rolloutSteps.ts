import { condition, patched, startChild } from '@temporalio/workflow';
import { stepWorkflowId } from '../contract/ids';
import type { StepResult } from '../contract/step';
import type { PlannedStep } from '../domain/planSteps';
import type { RolloutRun } from './rolloutRun';
import { spreadSample } from './analysis';
import { stepWorkflow } from './step';
import { waitOutFreeze } from './freezeGate';

/** Waits for the approvals the playbook asks for before this step (null: before the start), or a stop. */
export async function waitForApproval(run: RolloutRun, step: PlannedStep | null, firstWave: boolean): Promise<void> {
  const { approvals, controls } = run;
  const rule = approvals.ruleFor(step ? (step.kind as 'dogfood' | 'canary' | 'wave') : 'start', firstWave);
  if (!rule) return;
  approvals.open(step ? step.name : 'start', rule);
  await condition(() => approvals.satisfied() || controls.halted);
  approvals.close(controls.paused);
}

/**
 * Runs one step to its end: as one child workflow, or, when customers own some of its targets,
 * customer by customer in their maintenance windows and then the rest. `later`: the targets of
 * this step and the ones after it, which the baseline is drawn from.
 */
export function runStep(run: RolloutRun, step: PlannedStep, later: Set<string>): Promise<StepResult> {
  const customers = run.customers;
  if (!customers?.involves(step)) return runChild(run, step, later, false);
  return customers.runStep(
    step,
    run.changedIds(),
    async (child, targets) => {
      // A customer's maintenance window is an allow window: a freeze wins over it (deny wins).
      const slot = { ...step, name: child, targets, bakeMs: 0 };
      while (!run.controls.halted && (await waitOutFreeze(run, slot)));
      return runChild(run, slot, later, true);
    },
    (targets) => runChild(run, { ...step, targets }, later, true),
  );
}

/**
 * Runs one step child to its end. `customerSlots`: the step is split per customer window, so
 * targets this step already changed belong to the candidates, not the baseline.
 */
async function runChild(run: RolloutRun, child: PlannedStep, later: Set<string>, customerSlots: boolean): Promise<StepResult> {
  const { input, fleet, playbook, controls, tracker } = run;
  const changedIds = run.changedIds();
  const own = new Set(child.targets);
  const sentControl = controls.forChild();
  controls.activeStep = await startChild(stepWorkflow, {
    workflowId: stepWorkflowId(input.rolloutId, child.name),
    args: [{
      rolloutId: input.rolloutId,
      step: child,
      targets: child.targets.map((id) => run.target(id)),
      // Only a spread sample of each group is ever read: sending the whole fleet would outgrow
      // Temporal's 2 MB payload limit on large fleets.
      earlierCandidates: spreadSample(fleet.targets.filter((t) => changedIds.has(t.id))),
      baseline: spreadSample(fleet.targets.filter((t) => later.has(t.id) && !own.has(t.id) && !(customerSlots && changedIds.has(t.id)))),
      release: input.release,
      health: playbook.health,
      control: sentControl,
      requirePromote: playbook.method === 'parallel' && child.bakeMs > 0,
    }],
  });
  // A command accepted while the child was starting found no child to tell: tell it now.
  const changedWhileStarting = JSON.stringify(controls.forChild()) !== JSON.stringify(sentControl);
  if (changedWhileStarting && patched('forward-controls-after-step-start')) await controls.forward();
  const result = await controls.activeStep.result();
  controls.activeStep = null;
  // A target whose install failed part-way may have changed: roll it back too. A step re-run
  // after a hold replays its installs, so each target is remembered once, with its first change.
  const failedChanges = result.failures.map((f) => ({ targetId: f.targetId, step: child.name, version: input.release.version, previousVersion: null, at: '' }));
  run.remember([...result.changes, ...failedChanges]);
  if (customerSlots) tracker.targetsChanged(result);
  return result;
}
