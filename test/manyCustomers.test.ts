import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { customerViewQuery } from '../contract/rollout';
import { loadCustomersForFleet } from '../client/loadCustomers';
import type { Fleet } from '../domain/fleet';
import type { RolloutStatus } from '../domain/rolloutStatus';
import type { SmtpStandin } from '../local/standins/smtpServer';
import { startCustomerMail } from './helpers/customerMail';
import { TimeSkippingRig } from './helpers/dryRun';
import { fastPlaybook } from './helpers/rolloutHarness';
import { runLengths } from './helpers/historyRuns';
import { mailedTo } from './helpers/mailText';

const CUSTOMERS = 10_000;
/** Customers who want routine notices; the rest opted out of them (their notices are decided, recorded and suppressed). */
const told = (i: number) => i % 500 === 3;
/** Pinned to N-1: the rollout of a new line leaves them alone. */
const pinned = (i: number) => i % 2_000 === 7;
const WINDOWS = [
  { timeZone: 'Europe/Berlin', day: 'tue', start: '02:00' },
  { timeZone: 'America/New_York', day: 'sat', start: '23:00' },
  { timeZone: 'Asia/Tokyo', day: 'sun', start: '03:00' },
  { timeZone: 'UTC', day: 'wed', start: '01:30' },
] as const;

const id = (i: number) => `c${String(i).padStart(5, '0')}`;

function customersFile(prefix: string, count = CUSTOMERS) {
  return {
    customers: Array.from({ length: count }, (_, i) => {
      const w = WINDOWS[i % WINDOWS.length]!;
      return {
        id: id(i), name: `Customer ${i}`, targets: [`${prefix}-${i}`], timeZone: w.timeZone,
        channel: i < 100 ? 'early-access' : 'stable',
        contacts: { emails: [`ops@${id(i)}.example`] },
        maintenanceWindows: [{ day: w.day, start: w.start, duration: '4h' }],
        ...(told(i) ? {} : { optOut: ['pre-deployment', 'post-deployment', 'digest'] }),
        ...(pinned(i) ? { pinToPrevious: true } : {}),
      };
    }),
  };
}

const fleetOf = (prefix: string, count = CUSTOMERS): Fleet => ({
  name: 'many-customers', version: '1.0.0',
  targets: Array.from({ length: count }, (_, i) => ({ id: `${prefix}-${i}`, adapter: 'noop' as const, labels: {} })),
});

/** Every workflow the rollout started (its steps and slots), from its own history. */
async function childIds(client: Client, workflowId: string): Promise<string[]> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? []).flatMap((e) => e.childWorkflowExecutionStartedEventAttributes?.workflowExecution?.workflowId ?? []);
}

describe('a rollout with 10,000 customers (time-skipping server, noop targets)', () => {
  const rig = new TimeSkippingRig('7.0.0');
  let smtp: SmtpStandin;
  before(async () => {
    smtp = await startCustomerMail('many-customers');
    await rig.start();
  });
  after(async () => {
    await rig.stop();
    await smtp?.close();
  });

  test('completes, tells each customer once, updates them in their windows, and no workflow passes 10,240 events', async () => {
    const rolloutId = 'many-customers';
    const fleet = fleetOf('mc');
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'rampart-many-customers-')), 'customers.json');
    writeFileSync(file, JSON.stringify(customersFile('mc')));
    // Far above Temporal's payload limit as written: the file goes by path and digest.
    const customers = await loadCustomersForFleet(file, fleet);
    assert.ok('customersFile' in customers, 'a 10,000-customer file is passed by reference');

    const playbook = fastPlaybook({
      phases: { canary: { size: 1, bakeTime: '10m' }, waves: [{ size: '50%', bakeTime: '10m', maxParallel: 50 }, { size: '100%', bakeTime: '10m', maxParallel: 50 }] },
      health: { errorRate: { max: 0.05 }, minSamples: 10, analysisInterval: '5m' },
      customers: { component: 'Rampart test service', noticeBefore: '24h' },
    });
    const handle = await rig.startRollout({ ...rig.input(rolloutId, playbook), fleet, ...customers });
    const done = (await handle.result()) as RolloutStatus;
    assert.equal(done.state, 'completed', done.outcome?.reason);

    // Counts stand in for 10,000 records; one customer's record is a query away.
    const pinnedCount = Array.from({ length: CUSTOMERS }, (_, i) => i).filter(pinned).length;
    assert.deepEqual(done.customers, []);
    assert.equal(done.customerSummary?.total, CUSTOMERS);
    assert.deepEqual(done.customerSummary?.byState, { updated: CUSTOMERS - pinnedCount, pinned: pinnedCount });
    const routine = 2 * (CUSTOMERS - pinnedCount);
    const toldCount = Array.from({ length: CUSTOMERS }, (_, i) => i).filter((i) => told(i) && !pinned(i)).length;
    assert.deepEqual(done.notices, { sent: 2 * toldCount, suppressed: routine - 2 * toldCount, held: 0, batched: 0, failed: 0 });

    const opened = done.timeline.filter((e) => e.event === 'customer window open');
    for (const i of [3, 503, 7, 1_234]) {
      const view = await rig.env.client.workflow.getHandle(rolloutId).query(customerViewQuery, id(i));
      const c = view.customers?.[0];
      assert.equal(c?.id, id(i));
      if (pinned(i)) {
        assert.equal(c.state, 'pinned');
        assert.deepEqual(c.notices, []);
        continue;
      }
      assert.equal(c?.state, 'updated');
      assert.ok(c.window, `${c.id} has a window`);
      // Updated in their own window: the slot that took their step opened inside it.
      const slot = opened.find((e) => e.detail?.endsWith(`: ${c.window!.label}`) && Date.parse(e.at) >= Date.parse(c.window!.opensAt) && Date.parse(e.at) < Date.parse(c.window!.closesAt));
      assert.ok(slot, `${c.id}'s window ${c.window.label} opened a slot`);
      const kinds = c.notices.map((n) => `${n.kind} ${n.outcome}`);
      assert.deepEqual(kinds, told(i) ? ['pre-deployment sent', 'post-deployment sent'] : ['pre-deployment suppressed', 'post-deployment suppressed']);
    }
    // Customers sharing a window update together: a slot per window and step, not per customer.
    assert.ok(opened.length <= 3 * WINDOWS.length, `${opened.length} slots`);

    // Exactly once over real SMTP: two mails to each customer who wants them, none to anyone else.
    const mails = smtp.messages().filter((m) => m.headers.subject?.includes('7.0.0'));
    assert.equal(mails.length, 2 * toldCount);
    assert.equal(new Set(mails.map((m) => m.headers.messageId)).size, mails.length, 'no mail twice');
    assert.equal(mails.filter((m) => mailedTo(m, `ops@${id(3)}.example`)).length, 2);
    assert.equal(mails.filter((m) => mailedTo(m, `ops@${id(4)}.example`)).length, 0);

    // Bounded: no run of the rollout or of any workflow it started passes Temporal's warning threshold.
    const ids = [rolloutId, ...(await childIds(rig.env.client, rolloutId))];
    const lengths = await Promise.all(ids.map(async (w) => ({ w, runs: await runLengths(rig.env.client, w) })));
    for (const { w, runs } of lengths) assert.ok(Math.max(...runs) <= 10_240, `${w}: runs of ${runs.join(', ')} events`);
    const history = await rig.env.client.workflow.getHandle(rolloutId).fetchHistory();
    const bytes = temporal.api.history.v1.History.encode(history).finish().length;
    assert.ok(bytes < 10 * 1024 * 1024, `the rollout's history is ${(bytes / 1024 / 1024).toFixed(1)} MB (Temporal warns at 10 MB)`);
    process.stderr.write(`many customers: rollout history ${history.events?.length} events, ${(bytes / 1024 / 1024).toFixed(1)} MB; ${ids.length - 1} child workflows\n`);
  });

  test('a customers file that changed after the start, or that the worker cannot read, fails planning and touches nothing', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rampart-customers-ref-'));
    const playbook = fastPlaybook({ customers: { component: 'Rampart test service', noticeBefore: '24h' } });
    for (const [name, spoil, rule] of [
      ['changed', (file: string) => appendFileSync(file, '\n'), /customers file .*customers-changed\.json changed since the rollout started: sha256 [0-9a-f]{64}, expected [0-9a-f]{64}/],
      ['gone', (file: string) => rmSync(file), /customers file .*customers-gone\.json cannot be read on this worker \(ENOENT\): workers must see the file at the path the rollout was started with/],
    ] as const) {
      const prefix = `ref-${name}`;
      const fleet = fleetOf(prefix, 1_500);
      const file = path.join(dir, `customers-${name}.json`);
      writeFileSync(file, JSON.stringify(customersFile(prefix, 1_500)));
      const customers = await loadCustomersForFleet(file, fleet);
      assert.ok('customersFile' in customers, `1,500 customers go by reference`);
      spoil(file);
      const done = (await (await rig.startRollout({ ...rig.input(prefix, playbook), fleet, ...customers })).result().catch((err: { cause?: unknown }) => err)) as unknown;
      const status = await rig.rollouts.status(prefix);
      assert.equal(status.state, 'failed', String(done));
      assert.match(status.outcome?.reason ?? '', rule);
      assert.ok(status.timeline.every((e) => e.event !== 'step started'), 'no step started');
    }
    // A reference written by hand to a file outside the worker's artifact store is never read (nor hashed).
    const outside = await rig.startRollout({ ...rig.input('ref-outside', playbook), fleet: fleetOf('ref-outside', 10), customersFile: { path: '/etc/passwd', sha256: '0'.repeat(64) } });
    await outside.result().catch(() => undefined);
    const status = await rig.rollouts.status('ref-outside');
    assert.equal(status.state, 'failed');
    assert.match(status.outcome?.reason ?? '', /customers file \/etc\/passwd is outside the artifact store .*RAMPART_ARTIFACT_STORE/);
    assert.doesNotMatch(status.outcome?.reason ?? '', /sha256/);
  });
});
