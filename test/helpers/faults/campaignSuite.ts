import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before } from 'node:test';
import { summarize, type CampaignReport } from './campaign';
import { CampaignStack } from './campaignStack';
import { campaignSeed } from './seededRandom';

export const log = (message: string) => process.stderr.write(`faults: ${message}\n`);

/**
 * The hooks of a fault-campaign test file: one campaign stack for the file (three workers, a
 * 5-target good fleet, a 4-target bad fleet), the seed printed first, and the folder with every
 * worker log, journal and boot log kept when a test failed.
 */
export function campaignSuite(name: string): { stack: () => CampaignStack; seed: number; failed: () => void } {
  const seed = campaignSeed();
  const dir = mkdtempSync(path.join(os.tmpdir(), `rampart-${name}-`));
  let stack: CampaignStack | undefined;
  let failed = false;
  before(async () => {
    log(`${name}: seed ${seed} (replay with RAMPART_FAULT_SEED=${seed}); state in ${dir}`);
    const started = Date.now();
    stack = await CampaignStack.start({ dir, workers: 3, goodFleetSize: 5, badFleetSize: 4, log });
    log(`${name}: stack up in ${Math.round((Date.now() - started) / 1000)} s`);
  });
  after(async () => {
    const stopping = Date.now();
    await stack?.close();
    log(`${name}: stack down in ${Math.round((Date.now() - stopping) / 1000)} s`);
    if (failed) log(`kept the campaign's logs and journals for inspection: ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  });
  return {
    stack: () => {
      if (!stack) throw new Error('the campaign stack did not start');
      return stack;
    },
    seed,
    failed: () => {
      failed = true;
    },
  };
}

/** Nothing wrong, or every violation listed with the seed that replays the run. */
export function assertClean(report: CampaignReport): void {
  const summary = JSON.stringify(summarize(report));
  log(summary);
  assert.deepEqual(report.violations, [], `the fault campaign found problems (replay: RAMPART_FAULT_SEED=${report.seed}); ${summary}`);
}
