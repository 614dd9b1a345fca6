import path from 'node:path';
import { RolloutClient } from '../../client/rolloutClient';
import { buildArtifact } from '../../local/fleet/artifactBuild';
import { fleetDown, fleetStatus, fleetUp } from '../../local/fleet/localFleet';
import { RAMPART_QUEUE } from '../benchStack';
import type { BenchContext } from '../harness/benchContext';
import { benchPlaybook, FROM_VERSION, TO_VERSION } from '../harness/noopRollout';
import { ms, percentile } from '../harness/stats';

export interface StopToRestoredOptions {
  targets: number;
  trials: number;
  /** Installs running at once: the wave is mid-way when about half the fleet changed. */
  maxParallel: number;
  dir: string;
}

const sleep = (msec: number) => new Promise((resolve) => setTimeout(resolve, msec));

/**
 * What an on-call engineer lives through when pressing stop: a real local fleet (one process per
 * target) mid-wave, `stop --then rollback` accepted, until the rollout reports every changed target
 * back on its previous version and verified, and the fleet's own /health agrees.
 */
export async function measureStopToRestored(ctx: BenchContext, options: StopToRestoredOptions) {
  const fleet = await fleetUp({ stateDir: path.join(options.dir, 'fleet'), size: options.targets, version: FROM_VERSION, internal: 0 });
  try {
    const artifact = await buildArtifact({ version: TO_VERSION, outDir: path.join(options.dir, 'artifacts') });
    const rollouts = new RolloutClient(ctx.client, RAMPART_QUEUE);
    const playbook = benchPlaybook('bench-stop-restore', 'direct', 'a stop leaves targets on the bad version', {
      phases: { waves: [{ size: '100%', bakeTime: '1m', maxParallel: options.maxParallel }] },
      maxParallel: options.maxParallel,
    });
    const latencies: number[] = [];
    const changedAtStop: number[] = [];
    /** Where the time goes, from the rollout's own timeline: stop to the rollback starting, then the rollback. */
    const phases: { haltMs: number; rollbackMs: number }[] = [];
    for (let trial = 1; trial <= options.trials; trial++) {
      const rolloutId = `bench-stop-restore-${Date.now()}-${trial}`;
      const handle = await rollouts.start({
        rolloutId, playbook, fleet: fleet.fleet, startedBy: 'bench',
        release: { version: TO_VERSION, artifactPath: artifact.path, sha256: artifact.sha256, notes: 'bench stop to restored' },
      });
      // Mid-wave: a quarter of the fleet changed, more installing.
      for (let i = 0; ; i++) {
        const status = await rollouts.status(rolloutId).catch(() => null);
        if (status?.endedAt) throw new Error(`${rolloutId} ended ${status.state} before the stop: ${status.outcome?.reason ?? ''}`);
        // The parent's status learns of changes when the step ends: ask the running step itself.
        const progress = status?.step ? await rollouts.stepProgress(rolloutId, status.step).catch(() => null) : null;
        if (progress && progress.changes.length >= options.targets / 4) break;
        if (i >= 1_200) throw new Error(`${rolloutId}: a quarter of the fleet was not changed within a minute (${status?.state})`);
        await sleep(50);
      }
      await rollouts.stop(rolloutId, { by: 'bench', reason: 'bench: stop to restored', then: 'rollback' });
      const accepted = performance.now();
      const result = await ctx.until(handle.result());
      const restoredMs = performance.now() - accepted;
      const changed = result.targets.filter((t) => t.state === 'rolled_back').length;
      const serving = (await fleetStatus({ stateDir: fleet.stateDir })).targets;
      const wrong = serving.filter((t) => !t.up || t.version !== FROM_VERSION).map((t) => `${t.id}=${t.version ?? 'down'}`);
      if (result.state !== 'rolled_back' || wrong.length > 0) {
        throw new Error(`${rolloutId}: ended ${result.state}; targets not restored: ${wrong.join(', ') || 'none'}`);
      }
      latencies.push(restoredMs);
      changedAtStop.push(changed);
      const at = (event: string) => Date.parse(result.timeline.find((e) => e.event === event)?.at ?? '');
      phases.push({ haltMs: ms(at('rolling back') - at('emergency stop')), rollbackMs: ms(at('rollback finished') - at('rolling back')) });
      ctx.log(`stop to restored ${trial}/${options.trials}: ${Math.round(restoredMs)} ms`);
    }
    return {
      stopToRestoredMs: { p50: ms(percentile(latencies, 50)), p99: ms(percentile(latencies, 99)), trials: latencies.length },
      details: { targets: options.targets, maxParallel: options.maxParallel, latenciesMs: latencies.map(ms), targetsRolledBack: changedAtStop, phases },
    };
  } finally {
    await fleetDown({ stateDir: fleet.stateDir });
  }
}
