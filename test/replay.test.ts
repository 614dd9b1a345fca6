import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import type { RolloutStatus } from '../domain/rolloutStatus';
import { startCustomerMail } from './helpers/customerMail';
import { TimeSkippingRig } from './helpers/dryRun';
import type { SmtpStandin } from '../local/standins/smtpServer';
import { fastPlaybook } from './helpers/rolloutHarness';
import { bundleWorkflows } from './helpers/temporal';

/**
 * Determinism guard: histories recorded from earlier versions of the workflows must replay on the
 * current code. A change that breaks this needs patched() (see README). Histories are stored as
 * binary protobuf (History.encode). Set
 * RAMPART_RECORD_HISTORIES=1 to add freshly recorded histories to test/fixtures/histories.
 */
const FIXTURES = path.join(__dirname, 'fixtures', 'histories');
const workflowsPath = require.resolve('../workflows');

describe('workflow histories replay on the current code', () => {
  const rig = new TimeSkippingRig('9.0.0');
  let smtp: SmtpStandin;
  before(async () => {
    smtp = await startCustomerMail('customers');
    await rig.start();
  });
  after(async () => {
    await rig.stop();
    await smtp?.close();
  });

  test('fresh histories (completed, approved, stopped and rolled back) replay without nondeterminism', async () => {
    const scenarios: [string, () => Promise<void>][] = [
      ['completed', async () => {
        const h = await rig.startRollout(rig.input('replay-completed', fastPlaybook()));
        assert.equal(((await h.result()) as RolloutStatus).state, 'completed');
      }],
      ['approved', async () => {
        const playbook = fastPlaybook({ approvals: [{ step: 'canary', count: 1 }] });
        const h = await rig.startRollout(rig.input('replay-approved', playbook));
        for (let i = 0; i < 100 && (await rig.rollouts.status(h.workflowId)).state !== 'awaiting_approval'; i++) await rig.env.sleep('1s');
        await rig.rollouts.approve(h.workflowId, { by: 'bob' });
        assert.equal(((await h.result()) as RolloutStatus).state, 'completed');
      }],
      ['customers', async () => {
        const everyDay = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((day) => ({ day, start: '00:00', duration: '24h' }));
        const customers = {
          customers: [
            { id: 'acme', name: 'ACME', targets: ['replay-customers-1'], channel: 'early-access', timeZone: 'Europe/Berlin', contacts: { emails: ['ops@acme.example'] }, maintenanceWindows: everyDay },
            { id: 'globex', name: 'Globex', targets: ['replay-customers-3', 'replay-customers-4'], timeZone: 'America/New_York', contacts: { emails: ['it@globex.example'] }, maintenanceWindows: everyDay },
          ],
        };
        const playbook = fastPlaybook({ customers: { noticeBefore: '0s' } });
        const h = await rig.startRollout({ ...rig.input('replay-customers', playbook), customers });
        // Workflow time on this server is ahead of the wall clock once earlier scenarios skipped time.
        const { startedAt } = await rig.rollouts.status(h.workflowId);
        await rig.rollouts.defer(h.workflowId, { customerId: 'globex', until: new Date(Date.parse(startedAt) + 3_600_000).toISOString(), by: 'it@globex.example' });
        assert.equal(((await h.result()) as RolloutStatus).state, 'completed');
      }],
      ['stopped', async () => {
        const playbook = fastPlaybook({ phases: { canary: { size: 1, bakeTime: '1h' }, waves: [{ size: '100%', bakeTime: '1h' }] } });
        const h = await rig.startRollout(rig.input('replay-stopped', playbook));
        for (let i = 0; i < 100 && (await rig.rollouts.status(h.workflowId)).step !== 'canary'; i++) await rig.env.sleep('1s');
        await rig.rollouts.stop(h.workflowId, { by: 'oncall', then: 'rollback' });
        assert.equal(((await h.result()) as RolloutStatus).state, 'rolled_back');
      }],
    ];
    const bundle = await bundleWorkflows(workflowsPath);
    for (const [name, run] of scenarios) {
      await run();
      const history = await rig.env.client.workflow.getHandle(`replay-${name}`).fetchHistory();
      await Worker.runReplayHistory({ workflowBundle: bundle }, history);
      // Recorded once: a fixture is a history from an earlier version and is never overwritten.
      const fixture = path.join(FIXTURES, `rollout-${name}.history.bin`);
      if (process.env.RAMPART_RECORD_HISTORIES === '1' && !existsSync(fixture)) {
        mkdirSync(FIXTURES, { recursive: true });
        writeFileSync(fixture, temporal.api.history.v1.History.encode(history).finish());
      }
    }
  });

  test('recorded histories from earlier versions replay', async () => {
    const files = existsSync(FIXTURES) ? readdirSync(FIXTURES).filter((f) => f.endsWith('.history.bin')) : [];
    assert.ok(files.length >= 3, 'recorded histories are present');
    const bundle = await bundleWorkflows(workflowsPath);
    for (const file of files) {
      const history = temporal.api.history.v1.History.decode(readFileSync(path.join(FIXTURES, file)));
      await Worker.runReplayHistory({ workflowBundle: bundle }, history, file);
    }
  });
});
