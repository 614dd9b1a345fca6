/**
 * `npm run bench -- --soak [--kills N] [--min-rounds N] [--server-kill-every N]`: the fault
 * campaign of test/faultCampaign.e2e.test.ts for longer, as one JSON object on stdout. Three
 * worker processes on the PostgreSQL ledger, rounds of a good rollout and a bad one (canary
 * breach, rollback, an incident that escalates), workers SIGKILLed at random (default 100 kills)
 * and the dev server SIGKILLed mid-wave every third round; then the same checks as the test.
 * Exit 0 when nothing was wrong, 1 when the campaign found something (the JSON lists it), 2 for
 * bad flags. RAMPART_FAULT_SEED replays a run's faults.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { runCampaign, summarize } from '../../test/helpers/faults/campaign';
import { CampaignStack } from '../../test/helpers/faults/campaignStack';
import { campaignSeed } from '../../test/helpers/faults/seededRandom';
import { postgresUnavailable } from '../../test/helpers/postgresServer';

const DEFAULTS = { kills: 100, minRounds: 6, serverKillEvery: 3 };

function wholeNumber(name: string, value: string | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name}: expected a whole number >= ${min}, got "${value}"`);
  return n;
}

export async function runFaultSoak(args: string[], log: (message: string) => void): Promise<number> {
  let options: { kills: number; minRounds: number; serverKillEvery: number; seed: number };
  try {
    const { values } = parseArgs({
      args,
      options: { soak: { type: 'boolean' }, kills: { type: 'string' }, 'min-rounds': { type: 'string' }, 'server-kill-every': { type: 'string' } },
      strict: true,
    });
    options = {
      kills: wholeNumber('kills', values.kills, DEFAULTS.kills, 1),
      minRounds: wholeNumber('min-rounds', values['min-rounds'], DEFAULTS.minRounds, 1),
      serverKillEvery: wholeNumber('server-kill-every', values['server-kill-every'], DEFAULTS.serverKillEvery, 0),
      seed: campaignSeed(),
    };
  } catch (err) {
    process.stderr.write(`bench --soak: ${(err as Error).message}\n`);
    return 2;
  }
  const unavailable = postgresUnavailable();
  if (unavailable) {
    process.stderr.write(`bench --soak: ${unavailable}\n`);
    return 1;
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rampart-soak-'));
  // The campaign builds its artifacts below this folder: it is the workers' artifact store (they inherit it).
  process.env.RAMPART_ARTIFACT_STORE ??= dir;
  log(`fault soak: seed ${options.seed} (replay with RAMPART_FAULT_SEED=${options.seed}), ${options.kills} worker kills, state in ${dir}`);
  let stack: CampaignStack | undefined;
  const interrupted = () => {
    log('interrupted: stopping the campaign stack');
    void (stack?.close() ?? Promise.resolve()).finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  let clean = false;
  try {
    stack = await CampaignStack.start({ dir, workers: 3, goodFleetSize: 5, badFleetSize: 4, log });
    const report = await runCampaign(stack, {
      seed: options.seed,
      workerKills: { minGapMs: 2_000, maxGapMs: 5_000, atLeast: options.kills },
      ...(options.serverKillEvery > 0 ? { serverKillEvery: options.serverKillEvery } : {}),
      minRounds: options.minRounds,
      maxRounds: 200,
      log,
    });
    clean = report.violations.length === 0;
    process.stdout.write(`${JSON.stringify({ faultSoak: summarize(report), goals: { violations: { goal: 0, value: report.violations.length, met: clean } } }, null, 2)}\n`);
    return clean ? 0 : 1;
  } finally {
    await stack?.close();
    if (clean) rmSync(dir, { recursive: true, force: true });
    else log(`kept the soak's logs, journals and boot logs: ${dir}`);
  }
}
