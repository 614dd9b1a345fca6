import { RolloutClient } from '../../client/rolloutClient';
import { bareWorkflow } from '../bareWorkflow';
import type { BenchContext } from '../harness/benchContext';
import { bareBreakdown, rolloutBreakdown } from '../harness/breakdown';
import { BARE_QUEUE, RAMPART_QUEUE } from '../benchStack';
import { noopRolloutInput, TO_VERSION } from '../harness/noopRollout';
import { median, ms } from '../harness/stats';

export interface OverheadOptions {
  targets: number;
  maxParallel: number;
  runs: number;
}

/** Wall time of one direct, zero-bake rollout on noop targets, start call to result; it must complete. */
async function timeRollout(ctx: BenchContext, id: string, options: OverheadOptions): Promise<number> {
  const input = noopRolloutInput(id, id, options.targets, options.maxParallel, ctx.artifact);
  const started = performance.now();
  const status = await ctx.until(new RolloutClient(ctx.client, RAMPART_QUEUE).run(input));
  const elapsed = performance.now() - started;
  const updated = status.targets.filter((t) => t.version === TO_VERSION).length;
  if (status.state !== 'completed' || updated !== options.targets) {
    throw new Error(`${id} ended ${status.state} with ${updated}/${options.targets} targets on ${TO_VERSION}: ${status.outcome?.reason ?? ''}`);
  }
  return elapsed;
}

/** Wall time of the bare workflow: the same number of no-op activities at the same parallelism. */
async function timeBare(ctx: BenchContext, id: string, options: OverheadOptions): Promise<number> {
  const started = performance.now();
  const done = await ctx.until(ctx.client.workflow.execute(bareWorkflow, { taskQueue: BARE_QUEUE, workflowId: id, args: [options.targets, options.maxParallel] }));
  const elapsed = performance.now() - started;
  if (done !== options.targets) throw new Error(`${id} ran ${done}/${options.targets} activities`);
  return elapsed;
}

/**
 * What Rampart costs over plain Temporal: a zero-bake rollout of N noop targets against a bare
 * workflow running N no-op activities with the same parallelism, interleaved, after one warm-up
 * of each; medians of `runs`.
 */
export async function measureOverhead(ctx: BenchContext, options: OverheadOptions) {
  ctx.log(`warm-up: one ${options.targets}-target rollout and one bare run`);
  const warmRollout = await timeRollout(ctx, 'bench-rollout-warmup', options);
  const warmBare = await timeBare(ctx, 'bench-bare-warmup', options);
  ctx.log(`warm-up: rollout ${ms(warmRollout)} ms, bare ${ms(warmBare)} ms`);

  const rollouts: number[] = [];
  const bares: number[] = [];
  for (let i = 1; i <= options.runs; i++) {
    ctx.signal.throwIfAborted();
    ctx.assertWorkersRunning();
    rollouts.push(await timeRollout(ctx, `bench-rollout-${i}`, options));
    bares.push(await timeBare(ctx, `bench-bare-${i}`, options));
    ctx.log(`run ${i}/${options.runs}: rollout ${ms(rollouts[i - 1] as number)} ms, bare ${ms(bares[i - 1] as number)} ms`);
  }
  const rolloutMs = median(rollouts);
  const bareMs = median(bares);
  const medianRun = (times: number[], median: number) => times.indexOf(median) + 1; // odd run count: the median is a run
  return {
    rolloutMs: ms(rolloutMs),
    bareMs: ms(bareMs),
    overheadRatio: Math.round((rolloutMs / bareMs) * 100) / 100,
    /** Each run's rollout over the bare run right after it: neighbours share the machine's load, so these vary less. */
    pairRatios: rollouts.map((r, i) => Math.round((r / (bares[i] as number)) * 100) / 100),
    targetsPerSecond: Math.round((options.targets / (rolloutMs / 1000)) * 10) / 10,
    runs: { rolloutMs: rollouts.map(ms), bareMs: bares.map(ms), warmup: { rolloutMs: ms(warmRollout), bareMs: ms(warmBare) } },
    serverTimeBreakdown: {
      note: 'from the median runs\' histories (server clock): where the time went',
      rollout: await rolloutBreakdown(ctx.client, `bench-rollout-${medianRun(rollouts, rolloutMs)}`),
      bare: await bareBreakdown(ctx.client, `bench-bare-${medianRun(bares, bareMs)}`),
    },
    method: `${options.targets} noop targets, direct method, one 100% wave, bakeTime 0s, maxParallel ${options.maxParallel}, versus bareWorkflow ` +
      `(bench/bareWorkflow.ts: ${options.targets} no-op activities, ${options.maxParallel} lanes) on its own task queue in the same worker process; ` +
      `wall time from the start call to the result; medians of ${options.runs} interleaved runs after one warm-up each`,
  };
}
