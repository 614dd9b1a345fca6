import { ActivityFailure, ApplicationFailure, condition, executeChild, patched, startChild } from '@temporalio/workflow';
import { rollbackWorkflowId, stepWorkflowId } from '../contract/ids';
import { fleetSchema, type Fleet, type Target } from '../domain/fleet';
import { parseInput, type InputError } from '../domain/issues';
import { playbookSchema, type Playbook } from '../domain/playbook';
import { planSteps, type PlannedStep } from '../domain/planSteps';
import type { RolloutInput } from '../domain/rolloutInput';
import type { RolloutStatus } from '../domain/rolloutStatus';
import { reads } from './activityProxies';
import { ApprovalGate } from './approvals';
import { rollbackWorkflow } from './rollback';
import { RolloutControls, registerRolloutCommands } from './rolloutCommands';
import { RolloutTracker } from './rolloutTracker';
import { stepWorkflow } from './step';
import { RolloutIncidents } from './rolloutIncidents';
import { degradeFeature } from './degrade';
import type { StepResult, TargetChangeRecord } from '../contract/step';
import { customersFileSchema } from '../domain/customers';
import { CustomerRollout } from './customerRollout';
import { registerDeferCommand } from './customerDefer';

const listErrors = (where: string, errors: InputError[]) => errors.map((e) => `${where}.${e.path}: ${e.message}`);

/**
 * A release rolled out the safe way: planning checks, artifact verification, then dogfood,
 * canary and waves, each baked and gated on health; a breach, a stop or a rollback command
 * returns every changed target to its last known good version, newest first.
 */
export async function rolloutWorkflow(input: RolloutInput): Promise<RolloutStatus> {
  const fleetParse = parseInput(fleetSchema, input.fleet);
  const tracker = new RolloutTracker(input, fleetParse.ok ? fleetParse.value.version : 'unknown');
  const controls = new RolloutControls();
  const playbookParse = parseInput(playbookSchema, input.playbook);
  const customersParse = input.customers === undefined ? null : parseInput(customersFileSchema, input.customers);
  const approvals = new ApprovalGate(tracker, playbookParse.ok ? playbookParse.value.approvals : []);
  registerRolloutCommands(tracker, controls, approvals);

  const fail = (reason: string, type: string): never => {
    tracker.failed(reason);
    throw ApplicationFailure.nonRetryable(reason, type);
  };

  // Planning: nothing ships without a valid, complete plan.
  const planningErrors = [
    ...(playbookParse.ok ? [] : listErrors('playbook', playbookParse.errors)),
    ...(fleetParse.ok ? [] : listErrors('fleet', fleetParse.errors)),
    ...(customersParse && !customersParse.ok ? listErrors('customers', customersParse.errors) : []),
  ];
  if (!playbookParse.ok || !fleetParse.ok || (customersParse && !customersParse.ok)) return fail(`planning check failed: ${planningErrors.join('; ')}`, 'PlanningFailed');
  const playbook: Playbook = playbookParse.value;
  const fleet: Fleet = fleetParse.value;
  const checked = planSteps(playbook, fleet.targets);
  if (!checked.ok) return fail(`planning check failed: ${checked.errors.join('; ')}`, 'PlanningFailed');
  const customersFile = customersParse?.ok ? customersParse.value : null;
  const customerSide = customersFile ? new CustomerRollout(customersFile, playbook, tracker, controls, input.release.notes) : null;
  registerDeferCommand(tracker, customerSide);
  tracker.planChecked(playbook, checked.steps.length);

  // The last known good state: what each target really runs now, whatever the fleet file says.
  const runningVersions = await reads.readVersions(fleet.targets);
  tracker.versionsRead(fleet, runningVersions);
  let steps = checked.steps;
  if (customerSide) {
    // Who is pinned to N-1 depends on what their targets run: the customer-aware plan comes now.
    // When it cannot be made, the status keeps the plan that was checked.
    const known = Object.fromEntries(fleet.targets.map((t) => [t.id, runningVersions[t.id] ?? fleet.version]));
    const assignment = customerSide.assign(fleet.targets.map((t) => t.id), known);
    const plan = assignment.errors.length > 0
      ? { ok: false as const, errors: assignment.errors }
      : planSteps(playbook, fleet.targets, { exclude: assignment.pinnedTargets, earlyAccess: assignment.earlyAccess, stableGroups: assignment.stableGroups });
    if (!plan.ok) {
      tracker.planned(checked.steps);
      return fail(`planning check failed: ${plan.errors.join('; ')}`, 'PlanningFailed');
    }
    steps = plan.steps;
  }
  // The plan is recorded once: the one the rollout follows.
  tracker.planned(steps);
  customerSide?.status.placed(steps);
  if (fleet.targets.every((t) => runningVersions[t.id] === input.release.version)) {
    return fail(`every target already runs ${input.release.version}; nothing to roll out`, 'PlanningFailed');
  }

  // Build verification: the digest must match before any target sees the artifact.
  tracker.verifying();
  try {
    const verified = await reads.verifyArtifact(input.release);
    tracker.artifactVerified(verified.sha256, verified.bytes);
  } catch (err) {
    const cause = err instanceof ActivityFailure && err.cause ? err.cause.message : String(err);
    return fail(`artifact verification failed: ${cause}; no target was touched`, 'VerificationFailed');
  }

  const incidents = new RolloutIncidents(input.rolloutId, tracker);
  const targetsById = new Map(fleet.targets.map((t) => [t.id, t]));
  const changed: TargetChangeRecord[] = [];
  const waveCount = steps.filter((s) => s.kind === 'wave').length;

  const rollBack = async (reason: string, by?: string): Promise<RolloutStatus> => {
    tracker.rollingBack(reason, by);
    customerSide?.rollingBack(changed.map((c) => c.targetId));
    const newestFirst = [...changed].reverse();
    const outcomes = await executeChild(rollbackWorkflow, {
      workflowId: rollbackWorkflowId(input.rolloutId),
      args: [{
        rolloutId: input.rolloutId,
        maxParallel: playbook.maxParallel,
        targets: newestFirst.map((c) => ({ target: targetsById.get(c.targetId) as Target, toVersion: c.previousVersion ?? runningVersions[c.targetId] ?? fleet.version })),
      }],
    });
    const summary = tracker.targetsRolledBack(outcomes);
    tracker.rolledBack(reason);
    await incidents.note('rollback finished', summary);
    await customerSide?.finish('rolled_back', changed.map((c) => c.targetId));
    return tracker.answer();
  };

  /** After a stop with hold, or a breach that pauses: wait for a human to resume or roll back. */
  const holdUntilDecided = async (reason: string): Promise<'resume' | 'rollback'> => {
    controls.resumeRequested = false;
    tracker.held(reason);
    await condition(() => controls.resumeRequested || controls.rollback !== null);
    if (controls.rollback) return 'rollback';
    const liftedStop = controls.stop ? controls.stopBy() : null;
    controls.stop = null;
    tracker.holdLifted(liftedStop, controls.paused);
    return 'resume';
  };

  /** A stop or rollback was asked for: roll back, or hold until a human decides. Null: carry on. */
  const honourStopOrRollback = async (): Promise<RolloutStatus | null> => {
    if (controls.rollback) return rollBack('rollback requested', controls.rollbackBy());
    if (!controls.stop) return null;
    if (controls.stop.then === 'rollback') return rollBack('emergency stop', controls.stopBy());
    if ((await holdUntilDecided('stopped by emergency stop; targets held as they are')) === 'rollback') {
      return rollBack('rollback requested', controls.rollbackBy());
    }
    return null;
  };

  const waitForApproval = async (step: PlannedStep | null, firstWave: boolean): Promise<void> => {
    const rule = approvals.ruleFor(step ? (step.kind as 'dogfood' | 'canary' | 'wave') : 'start', firstWave);
    if (!rule) return;
    approvals.open(step ? step.name : 'start', rule);
    await condition(() => approvals.satisfied() || controls.halted);
    approvals.close(controls.paused);
  };

  /**
   * Runs one step child to its end. `customerSlots`: the step is split per customer window, so
   * targets this step already changed belong to the candidates, not the baseline.
   */
  const runChild = async (child: PlannedStep, later: Set<string>, customerSlots: boolean): Promise<StepResult> => {
    const changedIds = new Set(changed.map((c) => c.targetId));
    const sentControl = controls.forChild();
    controls.activeStep = await startChild(stepWorkflow, {
      workflowId: stepWorkflowId(input.rolloutId, child.name),
      args: [{
        rolloutId: input.rolloutId,
        step: child,
        targets: child.targets.map((id) => targetsById.get(id) as Target),
        earlierCandidates: fleet.targets.filter((t) => changedIds.has(t.id)),
        baseline: fleet.targets.filter((t) => later.has(t.id) && !child.targets.includes(t.id) && !(customerSlots && changedIds.has(t.id))),
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
    for (const change of [...result.changes, ...failedChanges]) {
      if (!changed.some((c) => c.targetId === change.targetId)) changed.push(change);
    }
    if (customerSlots) tracker.targetsChanged(result);
    return result;
  };

  await waitForApproval(null, false);
  let waveIndex = 0;
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i] as PlannedStep;
    if (step.kind === 'wave') waveIndex++;
    if (!controls.halted) await waitForApproval(step, step.kind === 'wave' && waveIndex === 1);
    // A paused rollout starts no new step; the breaker and commands still work meanwhile.
    await condition(() => !controls.paused || controls.halted);
    const decidedBeforeStep = await honourStopOrRollback();
    if (decidedBeforeStep) return decidedBeforeStep;

    const later = new Set(steps.slice(i).flatMap((s) => s.targets));
    controls.promoted = false;
    tracker.stepStarted(step, waveIndex, waveCount);
    const result = customerSide?.involves(step)
      ? await customerSide.runStep(step, new Set(changed.map((c) => c.targetId)), (child, targets) => runChild({ ...step, name: child, targets, bakeMs: 0 }, later, true), (targets) => runChild({ ...step, targets }, later, true))
      : await runChild(step, later, false);
    tracker.stepEnded(step.name, result);
    if (result.outcome === 'passed') customerSide?.stepPassed(step);

    if (result.outcome === 'breached') {
      tracker.breakerTripped(step.name, result);
      if (playbook.incidents && input.escalation !== undefined && patched('incident-on-breaker')) {
        await incidents.open(playbook.incidents, input.escalation, `${step.name}: ${result.reasons.join('; ')}`);
      }
      const automated = playbook.incidents?.automatedRollback !== false;
      customerSide?.breached(changed.map((c) => c.targetId), playbook.onBreach === 'rollback' && automated && !playbook.degrade);
      let contained = false;
      if (playbook.degrade && patched('degrade-before-rollback')) {
        const changedIds = new Set(changed.map((c) => c.targetId));
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
        return rollBack(`health gate breached in ${step.name}: ${result.reasons.join('; ')}`);
      }
      const why = holdDegraded
        ? `degraded (${playbook.degrade?.feature} off) and healthy: roll back or resume when ready`
        : automated ? 'paused by playbook' : 'automated rollback is not possible: follow the manual recovery steps';
      if ((await holdUntilDecided(`health gate breached in ${step.name}; ${why}`)) === 'rollback') {
        return rollBack('rollback requested after breach', controls.rollbackBy());
      }
      continue;
    }
    if (result.outcome === 'halted') {
      const decided = await honourStopOrRollback();
      if (decided) return decided;
      i--; // resume re-runs the halted step; installs already done are replayed, not repeated
      if (step.kind === 'wave') waveIndex--;
    }
  }
  // A stop or rollback that arrived as the last step passed is still honoured.
  if (patched('honour-stop-after-last-step')) {
    const decided = await honourStopOrRollback();
    if (decided) return decided;
  }
  const pinned = tracker.status.targets.filter((t) => t.step === null).length;
  tracker.completed(`version ${input.release.version} on all ${fleet.targets.length - pinned} target(s)${pinned > 0 ? `; ${pinned} pinned to N-1 left alone` : ''}`);
  await customerSide?.finish('completed', changed.map((c) => c.targetId));
  return tracker.answer();
}
