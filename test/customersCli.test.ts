import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { SmtpStandin } from '../local/standins/smtpServer';
import type { Fleet } from '../domain/fleet';
import type { RolloutStatus } from '../domain/rolloutStatus';
import { rampart } from './helpers/cli';
import { startCustomerMail } from './helpers/customerMail';
import { mailedTo } from './helpers/mailText';
import { fastPlaybook, RolloutHarness } from './helpers/rolloutHarness';
import { devServerAddress } from './helpers/temporal';

const DAY = 86_400_000;
const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

describe('rampart customers defer, on a rollout waiting for a customer window (dev server)', () => {
  const h = new RolloutHarness();
  let smtp: SmtpStandin;
  let env: Record<string, string>;
  const rolloutId = `defer-cli-${Date.now()}`;
  // Globex's only window opens three days from now (noon UTC), so its wave waits for it.
  const windowDay = WEEKDAYS[new Date(Date.now() + 3 * DAY).getUTCDay()] as string;

  before(async () => {
    smtp = await startCustomerMail('defer');
    await h.start({ size: 0 });
    env = { TEMPORAL_ADDRESS: devServerAddress(), RAMPART_TASK_QUEUE: h.taskQueue };
    const fleet: Fleet = { name: 'cli', version: '1.0.0', targets: ['d-1', 'd-2', 'd-3'].map((id) => ({ id, adapter: 'noop' as const, labels: {} })) };
    const customers = {
      customers: [{
        id: 'globex', name: 'Globex', targets: ['d-2', 'd-3'], timeZone: 'UTC', contacts: { emails: ['it@globex.example'] },
        maintenanceWindows: [{ day: windowDay, start: '12:00', duration: '2h' }],
      }],
    };
    const artifact = await h.artifact('1.1.0');
    const playbook = fastPlaybook({ phases: { canary: { size: 1, bakeTime: '1s' }, waves: [{ size: '100%', bakeTime: '1s' }] }, customers: { noticeBefore: '1d' } });
    await h.startRollout({ ...h.input(rolloutId, playbook, artifact, '1.1.0', fleet), customers });
    await h.waitFor(rolloutId, (s) => s.customers?.[0]?.state === 'waiting_for_window');
  });
  after(async () => {
    await h.stop();
    await smtp?.close();
  });

  const defer = (...args: string[]) => rampart(['customers', 'defer', ...args, '--by', 'it@globex.example'], env);

  test('bad flags exit 2, refused deferrals exit 3, an unknown rollout exits 4; none changes anything', async () => {
    const bad = await defer(rolloutId, '--customer', 'globex', '--until', 'whenever');
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /--until: expected an ISO 8601 time/);
    const tooLate = await defer(rolloutId, '--customer', 'globex', '--until', '30d');
    assert.equal(tooLate.code, 3, tooLate.stderr);
    assert.match(tooLate.stderr, /defer rejected: until: globex may defer this update until .* at the latest \(allowance 7d\)/);
    const stranger = await defer(rolloutId, '--customer', 'hooli', '--until', '1d');
    assert.equal(stranger.code, 3);
    assert.match(stranger.stderr, /customerId: no customer "hooli"/);
    const unknown = await defer('no-such-rollout', '--customer', 'globex', '--until', '1d');
    assert.equal(unknown.code, 4, unknown.stderr);
    assert.equal((await h.status(rolloutId)).customers?.[0]?.deferral, null);
  });

  test('an accepted deferral rebooks the customer into the first window after it, and status says why they wait', async () => {
    const r = await defer(rolloutId, '--customer', 'globex', '--until', '4d', '--reason', 'month-end close');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`globex deferred until .*; their update is rescheduled to ${windowDay[0]!.toUpperCase()}${windowDay.slice(1)} .* 12:00–14:00`));
    const s: RolloutStatus = await h.status(rolloutId);
    const globex = s.customers?.[0];
    assert.equal(globex?.deferral?.reason, 'month-end close');
    assert.ok(Date.parse(globex?.window?.opensAt ?? '') >= Date.parse(globex?.deferral?.until ?? ''), 'the new window is after the deferral');
    const shown = await rampart(['rollout', 'status', rolloutId], env);
    assert.match(shown.stdout, /globex\s+stable\s+waiting_for_window\s+wave-1\s+deferred by it@globex.example until/);
  });

  test('a rollout stopped before their window and before they were told: nothing to tell them', async () => {
    const stop = await rampart(['rollout', 'stop', rolloutId, '--reason', 'test over'], env);
    assert.equal(stop.code, 0, stop.stderr);
    const done = (await h.client.workflow.getHandle(rolloutId).result()) as RolloutStatus;
    assert.equal(done.state, 'rolled_back');
    assert.equal(done.customers?.[0]?.waitingFor, 'update called off');
    // Told a day before the window (noticeBefore 1d), which was still days away.
    assert.deepEqual(smtp.messages().filter((m) => mailedTo(m, 'it@globex.example')).map((m) => m.headers.subject), []);
    assert.equal(done.publicIncidents?.length, 0, 'their systems never changed: no incident notice');
  });
});
