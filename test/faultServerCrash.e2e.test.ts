/**
 * The fault campaign's second scenario (issue 8): the same stack as faultCampaign.e2e.test.ts
 * (three workers, the PostgreSQL ledger, rollouts with customers, a bad canary whose incident
 * escalates), and the Temporal dev server SIGKILLed (not stopped) while the good rollout's first
 * wave runs, then started again on the same SQLite file and port. The workers and the client
 * reconnect by themselves; the same invariants must hold.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { runCampaign } from './helpers/faults/campaign';
import { assertClean, campaignSuite, log } from './helpers/faults/campaignSuite';
import { postgresUnavailable } from './helpers/postgresServer';

describe('fault campaign: the dev server SIGKILLed mid-wave', { skip: postgresUnavailable() }, () => {
  const suite = campaignSuite('server-crash');

  test('killed mid-wave and started again on its SQLite file: every rollout ends right and nothing happens twice', async () => {
    try {
      const report = await runCampaign(suite.stack(), { seed: suite.seed, workerKills: null, serverKillEvery: 1, log });
      assert.equal(report.serverKills, 1);
      assert.equal(suite.stack().pool.ready().length, 3, 'every worker reconnected by itself');
      assertClean(report);
    } catch (err) {
      suite.failed();
      throw err;
    }
  });
});
