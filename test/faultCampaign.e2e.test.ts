/**
 * The fault campaign (issue 8): three worker processes on one task queue sharing the PostgreSQL
 * ledger, rollouts with customers told by mail, Slack and webhook, a bad canary that trips the
 * breaker, rolls back and opens an incident that escalates; meanwhile workers are SIGKILLed at
 * random moments and restarted. Judged by the targets' install journals and boot logs and by what
 * the stand-ins received: every rollout in its right end state, nothing installed or rolled back
 * twice, no mail, Slack post, page or webhook delivered twice, nothing lost.
 * (The dev server's SIGKILL is faultServerCrash.e2e.test.ts; a longer soak is `npm run bench -- --soak`.)
 *
 * The seed is printed: RAMPART_FAULT_SEED=<seed> npx tsx test/run.ts test/faultCampaign.e2e.test.ts
 * draws the same kills after the same pauses.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { runCampaign } from './helpers/faults/campaign';
import { assertClean, campaignSuite, log } from './helpers/faults/campaignSuite';
import { interruptions } from './helpers/faults/disruption';
import { postgresUnavailable } from './helpers/postgresServer';

describe('fault campaign: workers SIGKILLed at random moments', { skip: postgresUnavailable() }, () => {
  const suite = campaignSuite('faults');

  test('20 kills of random workers while rollouts run: every rollout ends right and nothing happens twice', async () => {
    try {
      const report = await runCampaign(suite.stack(), { seed: suite.seed, workerKills: { minGapMs: 2_000, maxGapMs: 5_000, atLeast: 20 }, log });
      assert.ok(report.kills.length >= 20, `${report.kills.length} kills`);
      assert.ok(report.kills.every((k) => k.readyBefore >= 2), 'a worker is killed only while another one polls');
      assert.ok(interruptions(report.disruption) > 0, `the kills cut into running work: ${JSON.stringify(report.disruption)}`);
      assertClean(report);
    } catch (err) {
      suite.failed();
      throw err;
    }
  });
});
