import { FINAL_STATES, type RolloutStatus } from '../../domain/rolloutStatus';
import { RolloutClient, type RolloutHandle } from '../../client/rolloutClient';
import { stepWorkflowId } from '../../contract/ids';
import { statusQuery, stopUpdate } from '../../contract/rollout';
import { stepProgressQuery, type StepProgress } from '../../contract/step';
import type { StepWorkflow } from '../../contract/workflowTypes';
import type { BenchContext } from '../harness/benchContext';
import { RAMPART_QUEUE } from '../benchStack';
import { diagnoseLostStop } from './lostStop';
import { noopRolloutInput } from '../harness/noopRollout';
import { pollQuery } from '../harness/pollQuery';
import { ms, percentile } from '../harness/stats';

/**
 * When to press stop: 'status' once the rollout's status query shows wave-1 installing (what an
 * operator watching `rampart rollout status` sees); 'step' once the wave's own child workflow
 * answers that an install is running (the step child certainly exists).
 */
export type StopTrigger = 'status' | 'step';

export interface StopLatencyOptions {
  trials: number;
  targets: number;
  maxParallel: number;
  pollIntervalMs: number;
  trigger: StopTrigger;
}

interface HeldTrial {
  /** From the stop Update (stopUpdate) returning (stop accepted) to the first status query that shows 'held'. */
  latencyMs: number;
  /** The Update's own round trip: sent to accepted (its handler has signalled the step child by then). */
  updateMs: number;
  /** Targets the wave had installed when it halted: proof the stop landed mid-wave. */
  installedBeforeHalt: number;
  meanQueryMs: number;
}

interface LostTrial {
  lost: string;
  diagnosis: Awaited<ReturnType<typeof diagnoseLostStop>>;
}

const installingWave1 = (s: RolloutStatus) =>
  s.step === 'wave-1' && s.steps.some((step) => step.name === 'wave-1' && step.state === 'installing');
const finished = (s: RolloutStatus) => FINAL_STATES.includes(s.state);

async function waitForTrigger(ctx: BenchContext, rolloutId: string, handle: RolloutHandle, options: StopLatencyOptions): Promise<void> {
  const poll = { intervalMs: options.pollIntervalMs, timeoutMs: 30_000, signal: ctx.signal };
  if (options.trigger === 'status') {
    await pollQuery(handle, statusQuery, installingWave1, { ...poll, stop: (s) => (finished(s) ? `ended ${s.state} before wave-1 was seen installing` : undefined) });
    return;
  }
  const step = ctx.client.workflow.getHandle<StepWorkflow>(stepWorkflowId(rolloutId, 'wave-1'));
  await pollQuery(step, stepProgressQuery, (p: StepProgress) => p.installing.length > 0, {
    ...poll,
    awaitStart: true,
    stop: (p) => (p.state !== 'installing' ? `wave-1 is ${p.state} before an install was seen running` : undefined),
  });
}

/** One trial: start a long wave, stop it with hold at the trigger, time until it is held, then terminate it. */
async function stopTrial(ctx: BenchContext, index: number, options: StopLatencyOptions): Promise<HeldTrial | LostTrial> {
  const rolloutId = `bench-stop-${options.trigger}-${index}`;
  const input = noopRolloutInput(rolloutId, `stop-${options.trigger}-${index}`, options.targets, options.maxParallel, ctx.artifact);
  const handle = await ctx.until(new RolloutClient(ctx.client, RAMPART_QUEUE).start(input));
  try {
    await waitForTrigger(ctx, rolloutId, handle, options);
    const sent = performance.now();
    await ctx.until(handle.executeUpdate(stopUpdate, { args: [{ by: 'bench', then: 'hold' }] }));
    const accepted = performance.now();
    const held = await pollQuery(handle, statusQuery, (s) => s.state === 'held' || finished(s), {
      intervalMs: options.pollIntervalMs, timeoutMs: 30_000, signal: ctx.signal,
    });
    if (held.answer.state !== 'held') {
      return {
        lost: `${rolloutId}: stop accepted, yet the rollout ended ${held.answer.state} (${held.answer.outcome?.reason ?? ''})`,
        diagnosis: await ctx.until(diagnoseLostStop(ctx.client, rolloutId)),
      };
    }
    const step = await ctx.until(ctx.client.workflow.getHandle<StepWorkflow>(stepWorkflowId(rolloutId, 'wave-1')).result());
    if (step.outcome !== 'halted') throw new Error(`${rolloutId}: held, but wave-1 ended ${step.outcome}`);
    return { latencyMs: held.seenAt - accepted, updateMs: accepted - sent, installedBeforeHalt: step.changes.length, meanQueryMs: held.meanQueryMs };
  } finally {
    if (!ctx.signal.aborted) await handle.terminate('bench trial done').catch(() => undefined);
  }
}

/** A lost stop never holds the rollout: it counts as an infinite latency, reported as null. */
const finite = (value: number) => (Number.isFinite(value) ? ms(value) : null);

/**
 * Emergency-stop latency: how long after a stop is accepted the rollout reports 'held', i.e. its
 * step child has halted with no install running. Trials run one after another.
 */
export async function measureStopLatency(ctx: BenchContext, options: StopLatencyOptions) {
  const held: HeldTrial[] = [];
  const lost: LostTrial[] = [];
  for (let i = 1; i <= options.trials; i++) {
    ctx.assertWorkersRunning();
    const trial = await stopTrial(ctx, i, options);
    const label = `stop trial ${i}/${options.trials} (trigger: ${options.trigger})`;
    if ('lost' in trial) {
      lost.push(trial);
      ctx.log(`${label}: LOST — ${trial.lost}; ${JSON.stringify(trial.diagnosis)}`);
    } else {
      held.push(trial);
      ctx.log(`${label}: held ${ms(trial.latencyMs)} ms after the stop was accepted (${trial.installedBeforeHalt}/${options.targets} installed)`);
    }
  }
  const latencies = [...held.map((t) => t.latencyMs), ...lost.map(() => Number.POSITIVE_INFINITY)];
  const updates = held.map((t) => t.updateMs);
  const pressed = held.map((t) => t.updateMs + t.latencyMs);
  const installed = held.map((t) => t.installedBeforeHalt);
  return {
    p50: finite(percentile(latencies, 50)),
    p99: finite(percentile(latencies, 99)),
    trials: latencies.length,
    held: held.length,
    lost: lost.length,
    heldOnlyMs: { p50: finite(percentile(held.map((t) => t.latencyMs), 50)), p99: finite(percentile(held.map((t) => t.latencyMs), 99)) },
    updateRoundTripMs: { p50: finite(percentile(updates, 50)), p99: finite(percentile(updates, 99)) },
    /** What the operator lives through: stop sent -> held (Update round trip + latency), held trials only. */
    sentToHeldMs: { p50: finite(percentile(pressed, 50)), p99: finite(percentile(pressed, 99)) },
    installedBeforeHalt: held.length > 0 ? { min: Math.min(...installed), max: Math.max(...installed), of: options.targets } : null,
    lostStops: lost.map((t) => ({ rollout: t.lost, ...t.diagnosis })),
    pollIntervalMs: options.pollIntervalMs,
    meanQueryRoundTripMs: held.length > 0 ? ms(held.reduce((sum, t) => sum + t.meanQueryMs, 0) / held.length) : null,
    trigger: options.trigger === 'status'
      ? "the rollout's 'status' query shows wave-1 installing"
      : "the step child's 'stepProgress' query shows an install running",
    method: `${options.targets} noop targets, direct method, one wave, maxParallel ${options.maxParallel}; Update 'stop' {by:'bench', then:'hold'} at the trigger; ` +
      "latency = executeUpdate returned -> first 'status' query answering state 'held'; resolution = poll interval + one query round trip; " +
      `nearest-rank percentiles (p99 of ${latencies.length} trials is their max); a lost stop (rollout completed instead of holding) counts as never held (null)`,
  };
}
