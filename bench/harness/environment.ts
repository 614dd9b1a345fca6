import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { resolveTemporalCli } from '../../local/temporal/temporalBinaries';

/** Where the numbers were taken: they mean little without it. */
export function describeEnvironment() {
  let temporalCli: string | null = null;
  try {
    const out = spawnSync(resolveTemporalCli(), ['--version'], { encoding: 'utf8', timeout: 5_000 });
    temporalCli = out.stdout.trim() || null;
  } catch {
    // no CLI: the dev server could not have started either
  }
  return {
    node: process.version,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? null,
    platform: `${os.platform()} ${os.release()}`,
    totalMemMb: Math.round(os.totalmem() / 1024 / 1024),
    /** Other work on the machine skews every number here: the 1-minute load average when this was read. */
    loadAverage1m: Math.round((os.loadavg()[0] ?? 0) * 100) / 100,
    temporalCli,
  };
}
