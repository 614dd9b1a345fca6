import { condition, continueAsNew, setHandler } from '@temporalio/workflow';
import { messageArgSchemas } from '../contract/messageArgs';
import { describeErrors, parseInput } from '../domain/issues';
import type { GateResult } from '../domain/evaluateGate';
import type { StepState } from '../domain/rolloutStatus';
import { HealthAnalysis, spreadSample } from './analysis';
import { handoverDue } from './handover';
import { installTargets } from './stepInstall';
import { stepControlSignal, stepProgressQuery, type StepCarry, type StepControl, type StepInput, type StepResult, type TargetChangeRecord } from '../contract/step';
import { dropReport, handleSignal } from './messages';
import { boundedWait, isoAt, isoNow } from './time';

/** Windows past the bake time a gate may take to gather enough samples before it counts as failed. */
const EXTRA_WINDOWS_FOR_SAMPLES = 3;
/** The playbook's default analysis interval: what an interval that is no duration at all falls back to. */
const DEFAULT_ANALYSIS_INTERVAL_MS = 60_000;
const HANDOVER_PATCH = 'step-continue-as-new';

/**
 * One step of a rollout (dogfood ring, canary or wave) as a child workflow, so the parent's
 * history does not grow with fleet size: install with bounded parallelism, then bake while the
 * health gate watches, and report whether the step passed, breached or was halted.
 *
 * A long bake or a large wave would outgrow one history (about 11 events per analysis window, a
 * few per target), so the step hands over to a fresh run by continue-as-new, carrying what it has
 * done and decided (StepCarry). The parent and the CLI address the step by its workflow id, which
 * the chain keeps: commands and queries reach whichever run is current.
 */
export async function stepWorkflow(input: StepInput): Promise<StepResult> {
  const { step } = input;
  // Bounded where they come in: a bake that is not a finite duration (NaN, Infinity as JSON null,
  // a huge number) waits the longest timer, so only a human ends it (stop or promote), and no
  // arithmetic on it can throw in the path a stop takes.
  const bakeMs = boundedWait(step.bakeMs);
  const analysisInterval = boundedWait(input.health.analysisInterval, DEFAULT_ANALYSIS_INTERVAL_MS);
  const carry = input.carry;
  // Only the parent signals a step, but anyone can through Temporal: a malformed control is
  // dropped (logged; a step has no timeline), the one in the input too, which would otherwise
  // throw at every check of `control.halted` so that no stop could arrive. A stop, once heard,
  // is never taken back: the parent runs a halted step again as a new child.
  const dropped = dropReport(`step ${input.rolloutId}/${step.name}`);
  const initial = parseInput(messageArgSchemas.stepControl, input.control);
  if (!initial.ok) dropped(`input control: ${describeErrors(initial.errors)}`);
  let control: StepControl = initial.ok ? initial.value : { paused: false, halted: false, promoted: false };
  handleSignal(stepControlSignal, messageArgSchemas.stepControl, (next) => {
    control = { ...next, halted: control.halted || next.halted };
  }, dropped);
  let state: StepState = carry?.phase ?? 'installing';
  let lastGate: GateResult | null = carry?.lastGate ?? null;
  let bakeEndsAt: string | null = carry?.bake ? isoAt(carry.bake.endsAt) : null;
  let health: StepResult['health'] = carry?.health ?? {};
  const installing = new Set<string>();
  const changes: TargetChangeRecord[] = (carry?.installed ?? []).map(([targetId, version, previousVersion, at]) => ({ targetId, step: step.name, version, previousVersion, at }));
  const failures: { targetId: string; error: string }[] = [...(carry?.failures ?? [])];
  const handovers = carry?.handovers ?? 0;

  setHandler(stepProgressQuery, () => ({
    step: step.name,
    state,
    installing: [...installing],
    changes,
    failures,
    lastGate,
    bakeEndsAt,
    health,
    handovers,
  }));

  const handOver = (next: Pick<StepCarry, 'phase' | 'bake'>): Promise<never> => {
    const installed = changes.map((c): StepCarry['installed'][number] => [c.targetId, c.version, c.previousVersion, c.at]);
    return continueAsNew<typeof stepWorkflow>({ ...input, control, carry: { ...next, installed, failures, lastGate, health, handovers: handovers + 1 } });
  };

  if (state === 'installing') {
    const started = new Set([...changes.map((c) => c.targetId), ...failures.map((f) => f.targetId)]);
    const queue = input.targets.filter((t) => !started.has(t.id));
    const handingOver = await installTargets({
      input,
      queue,
      control: () => control,
      installing,
      changes,
      failures,
      handoverDue: () => handoverDue(HANDOVER_PATCH),
    });
    if (handingOver && failures.length === 0 && !control.halted && queue.length > 0) {
      return handOver({ phase: 'installing', bake: null });
    }
  }

  const result = (outcome: StepResult['outcome'], reasons: string[]): StepResult => {
    state = outcome === 'passed' ? 'passed' : outcome === 'breached' ? 'breached' : 'halted';
    return { outcome, changes, failures, reasons, gate: lastGate, nearMiss: lastGate?.nearMiss ?? false, health };
  };
  if (failures.length > 0) {
    return result('breached', failures.map((f) => `install failed on ${f.targetId}: ${f.error}`));
  }
  if (control.halted) return result('halted', ['stopped by command']);
  if (bakeMs === 0) return result('passed', []);

  state = 'baking';
  const changed = new Set(changes.map((c) => c.targetId));
  const candidates = spreadSample([...input.earlierCandidates, ...input.targets.filter((t) => changed.has(t.id))]);
  const analysis = new HealthAnalysis(candidates, spreadSample(input.baseline), input.health);
  let bakeEnd: number;
  let breaches = 0;
  let extraWindows = 0;
  if (carry?.bake) {
    analysis.restore(carry.bake.analysis);
    ({ endsAt: bakeEnd, breaches, extraWindows } = carry.bake);
  } else {
    await analysis.start();
    bakeEnd = Date.now() + bakeMs;
  }
  bakeEndsAt = isoAt(bakeEnd);
  const interval = Math.min(analysisInterval, bakeMs);
  for (;;) {
    if (handoverDue(HANDOVER_PATCH)) {
      return handOver({ phase: 'baking', bake: { endsAt: bakeEnd, breaches, extraWindows, analysis: analysis.snapshot() } });
    }
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
