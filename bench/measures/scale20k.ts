import type { Client } from '@temporalio/client';
import { stepWorkflowId } from '../../contract/ids';
import { RolloutClient } from '../../client/rolloutClient';
import { mkdirSync, writeFileSync } from 'node:fs';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import path from 'node:path';
import { startWorkerProcess, stopWorkerProcess } from '../../local/stack/workerProcess';
import type { BenchContext } from '../harness/benchContext';
import { benchPlaybook, noopFleet, TO_VERSION } from '../harness/noopRollout';
import { RssSampler } from '../harness/rssSampler';

export interface Scale20kOptions {
  targets: number;
  maxParallel: number;
  temporalAddress: string;
  dir: string;
}

/** Its own task queue, served by its own worker process: that process's memory is the figure. */
const SCALE_QUEUE = 'bench-scale20k';

const WAVES = ['5%', '25%', '50%', '75%', '100%'];

/** The largest run (events, bytes) among every run of these workflow ids, continue-as-new chains included. */
async function largestHistory(client: Client, workflowIds: string[]): Promise<{ events: number; bytes: number; runs: number }> {
  let events = 0;
  let bytes = 0;
  let runs = 0;
  for (const id of workflowIds) {
    for await (const run of client.workflow.list({ query: `WorkflowId = '${id}'` })) {
      runs++;
      events = Math.max(events, run.historyLength);
      bytes = Math.max(bytes, run.historySize ?? 0);
    }
  }
  return { events, bytes, runs };
}

/**
 * A rollout of 20,000 noop targets in five waves with short bakes: does it complete, how large
 * does the largest history of any of its workflows grow, how much memory does the worker take
 * (a worker process of its own, worker/main.ts on a prebuilt bundle as in production, sampled
 * from /proc from the moment it polls until the rollout ends), and how many targets per second.
 */
export async function measureScale20k(ctx: BenchContext, options: Scale20kOptions) {
  mkdirSync(options.dir, { recursive: true });
  // Prebuilt, as the README advises for production: the worker then carries no bundler's memory.
  const bundle = path.join(options.dir, 'workflow-bundle.js');
  writeFileSync(bundle, (await bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows'), logger: new DefaultLogger('WARN') })).code);
  const worker = await startWorkerProcess({
    env: { ...process.env, TEMPORAL_ADDRESS: options.temporalAddress, RAMPART_TASK_QUEUE: SCALE_QUEUE, RAMPART_STATE_DIR: path.join(options.dir, 'worker'), RAMPART_WORKFLOW_BUNDLE: bundle },
    cwd: options.dir,
    logFile: path.join(options.dir, 'worker.log'),
    readyTimeoutMs: 180_000,
    signal: ctx.signal,
  });
  try {
    return await measureOn(ctx, options, worker.pid);
  } finally {
    await stopWorkerProcess(worker.pid);
  }
}

async function measureOn(ctx: BenchContext, options: Scale20kOptions, workerPid: number) {
  const rolloutId = `bench-scale20k-${Date.now()}`;
  const playbook = benchPlaybook('bench-scale20k', 'phased', 'a large fleet outgrows a history', {
    phases: {
      canary: { size: 1, bakeTime: '2s' },
      waves: WAVES.map((size) => ({ size, bakeTime: '2s', maxParallel: options.maxParallel })),
    },
    maxParallel: options.maxParallel,
  });
  const rss = new RssSampler(100, workerPid);
  rss.start();
  const rssAtReadyMb = rss.peakMb();
  const started = performance.now();
  ctx.log(`scale20k: ${options.targets} noop targets, canary + ${WAVES.length} waves, ${options.maxParallel} at a time`);
  const status = await ctx.until(new RolloutClient(ctx.client, SCALE_QUEUE).run({
    rolloutId,
    playbook,
    // Ids of a usual length (s20k-n-12345), not the rollout id's 30 characters for each target.
    fleet: noopFleet('s20k', options.targets),
    release: { version: TO_VERSION, artifactPath: ctx.artifact.path, sha256: ctx.artifact.sha256, notes: 'bench scale20k' },
    startedBy: 'bench',
  }));
  const elapsedMs = performance.now() - started;
  rss.stop();
  // Above 5,000 targets the status carries counts, not a list (RolloutStatus.targetSummary).
  const completed = status.targetSummary?.byVersion[TO_VERSION] ?? status.targets.filter((t) => t.version === TO_VERSION).length;
  const steps = ['canary', ...WAVES.map((_, i) => `wave-${i + 1}`)].map((step) => stepWorkflowId(rolloutId, step));
  // Visibility catches up a moment after the last run closes.
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  const largest = await largestHistory(ctx.client, [rolloutId, ...steps]);
  const scale20k = {
    targets: options.targets,
    completed,
    largestHistoryEvents: largest.events,
    largestHistoryBytes: largest.bytes,
    workerPeakRssMb: rss.peakMb(),
    targetsPerSecond: Math.round((completed / elapsedMs) * 1000 * 10) / 10,
  };
  ctx.log(`scale20k: ${status.state}, ${completed}/${options.targets} in ${Math.round(elapsedMs / 1000)} s, ${largest.runs} runs, largest ${largest.events} events / ${largest.bytes} bytes`);
  return { scale20k, details: { state: status.state, elapsedMs: Math.round(elapsedMs), runs: largest.runs, workerRssAtReadyMb: rssAtReadyMb } };
}
