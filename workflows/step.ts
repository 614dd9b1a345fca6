import { ActivityFailure, ApplicationFailure, condition, setHandler } from '@temporalio/workflow';
import type { Target } from '../domain/fleet';
import type { GateResult } from '../domain/evaluateGate';
import { changeKey } from '../domain/rolloutInput';
import type { StepState } from '../domain/rolloutStatus';
import { targetActions } from './activityProxies';
import { HealthAnalysis, spreadSample } from './analysis';
import { stepControlSignal, stepProgressQuery, type StepControl, type StepInput, type StepResult, type TargetChangeRecord } from '../contract/step';
import { isoNow } from './time';

/** Windows past the bake time a gate may take to gather enough samples before it counts as failed. */
const EXTRA_WINDOWS_FOR_SAMPLES = 3;

function failureText(err: unknown): string {
  if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure) return err.cause.message;
  if (err instanceof ActivityFailure && err.cause) return err.cause.message;
  return err instanceof Error ? err.message : String(err);
}

/**
 * One step of a rollout (dogfood ring, canary or wave) as a child workflow, so the parent's
 * history does not grow with fleet size: install with bounded parallelism, then bake while the
 * health gate watches, and report whether the step passed, breached or was halted.
 */
export async function stepWorkflow(input: StepInput): Promise<StepResult> {
  const { step, release, rolloutId } = input;
  let control: StepControl = input.control;
  let state: StepState = 'installing';
  let lastGate: GateResult | null = null;
  let bakeEndsAt: string | null = null;
  let health: StepResult['health'] = {};
  const installing = new Set<string>();
  const changes: TargetChangeRecord[] = [];
  const failures: { targetId: string; error: string }[] = [];

  setHandler(stepControlSignal, (next) => {
    control = next;
  });
  setHandler(stepProgressQuery, () => ({
    step: step.name,
    state,
    installing: [...installing],
    changes,
    failures,
    lastGate,
    bakeEndsAt,
    health,
  }));

  const queue = [...input.targets];
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
  // Each lane takes the next target only when not paused, halted or tripped: a stop starts nothing new.
  const lane = async () => {
    for (;;) {
      await condition(() => control.halted || failures.length > 0 || !control.paused);
      if (control.halted || failures.length > 0) return;
      const target = queue.shift();
      if (!target) return;
      await installOne(target);
    }
  };
  await Promise.all(Array.from({ length: Math.min(step.maxParallel, input.targets.length) }, lane));

  const result = (outcome: StepResult['outcome'], reasons: string[]): StepResult => {
    state = outcome === 'passed' ? 'passed' : outcome === 'breached' ? 'breached' : 'halted';
    return { outcome, changes, failures, reasons, gate: lastGate, nearMiss: lastGate?.nearMiss ?? false, health };
  };
  if (failures.length > 0) {
    return result('breached', failures.map((f) => `install failed on ${f.targetId}: ${f.error}`));
  }
  if (control.halted) return result('halted', ['stopped by command']);
  if (step.bakeMs === 0) return result('passed', []);

  state = 'baking';
  const changed = new Set(changes.map((c) => c.targetId));
  const candidates = spreadSample([...input.earlierCandidates, ...input.targets.filter((t) => changed.has(t.id))]);
  const analysis = new HealthAnalysis(candidates, spreadSample(input.baseline), input.health);
  await analysis.start();
  const bakeEnd = Date.now() + step.bakeMs;
  bakeEndsAt = new Date(bakeEnd).toISOString();
  const interval = Math.min(input.health.analysisInterval, step.bakeMs);
  let breaches = 0;
  let extraWindows = 0;
  for (;;) {
    const halted = await condition(() => control.halted, interval);
    if (halted) return result('halted', ['stopped by command']);
    lastGate = await analysis.evaluate();
    health = analysis.lastSeen(isoNow());
    breaches = lastGate.verdict === 'breach' ? breaches + 1 : lastGate.verdict === 'pass' ? 0 : breaches;
    if (breaches >= input.health.consecutiveBreaches) return result('breached', lastGate.reasons);
    const bakeElapsed = Date.now() >= bakeEnd;
    if (bakeElapsed && input.requirePromote && !control.promoted) state = 'awaiting_cutover';
    const bakeDone = control.promoted || (bakeElapsed && !input.requirePromote);
    if (!bakeDone) continue;
    if (lastGate.verdict === 'pass') break;
    if (lastGate.verdict === 'insufficient' && ++extraWindows > EXTRA_WINDOWS_FOR_SAMPLES) {
      return result('breached', [`not enough data to judge: ${lastGate.reasons.join('; ')}`]);
    }
  }
  // A paused rollout keeps its passed step open rather than handing control back.
  await condition(() => control.halted || !control.paused);
  if (control.halted) return result('halted', ['stopped by command']);
  return result('passed', []);
}
