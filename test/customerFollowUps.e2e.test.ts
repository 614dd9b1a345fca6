import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { SmtpStandin } from '../local/standins/smtpServer';
import type { CustomerRolloutStatus } from '../domain/customerRolloutStatus';
import type { Fleet } from '../domain/fleet';
import type { RolloutStatus } from '../domain/rolloutStatus';
import { startCustomerMail } from './helpers/customerMail';
import { TimeSkippingRig } from './helpers/dryRun';
import { mailedTo, mailText } from './helpers/mailText';
import { fastPlaybook } from './helpers/rolloutHarness';

const MINUTE = 60_000;

function setup(prefix: string, firstTarget: Fleet['targets'][number] | null) {
  const fleet: Fleet = { name: 'follow-ups', version: '1.0.0', targets: [1, 2, 3].map((i) => ({ id: `${prefix}-${i}`, adapter: 'noop' as const, labels: {} })) };
  if (firstTarget) fleet.targets[0] = firstTarget;
  const customers = {
    customers: [
      {
        id: 'acme', name: 'ACME', targets: [`${prefix}-1`], channel: 'early-access', timeZone: 'Europe/Berlin',
        contacts: { emails: ['ops@acme.example'] }, maintenanceWindows: [{ day: 'thu', start: '09:00', duration: '2h' }],
      },
      {
        id: 'globex', name: 'Globex', targets: [`${prefix}-2`, `${prefix}-3`], timeZone: 'America/New_York',
        contacts: { emails: ['it@globex.example'] }, maintenanceWindows: [{ day: 'fri', start: '09:00', duration: '2h' }],
      },
    ],
  };
  return { fleet, customers };
}

/** A canary and one wave of 10 minutes each, gate read every 5 minutes: cheap in history, days of skipped time. */
const tenMinuteSteps = (overrides: Record<string, unknown>) => fastPlaybook({
  phases: { canary: { size: 1, bakeTime: '10m' }, waves: [{ size: '100%', bakeTime: '10m' }] },
  health: { errorRate: { max: 0.1, maxIncrease: 0.05 }, minSamples: 10, analysisInterval: '5m', consecutiveBreaches: 2 },
  ...overrides,
});

const customer = (s: RolloutStatus, id: string) => s.customers?.find((c) => c.id === id) as CustomerRolloutStatus;

describe('customer incident follow-ups and missed windows (time-skipping server)', () => {
  const rig = new TimeSkippingRig('1.1.0');
  let smtp: SmtpStandin;
  before(async () => {
    smtp = await startCustomerMail('follow-ups');
    await rig.start();
  });
  after(async () => {
    await rig.stop();
    await smtp?.close();
  });

  test('while a breached rollout is held, the affected customer hears every 30 minutes until it ends; an unconfirmed rollback is handed to people, not called restored', async () => {
    process.env.RAMPART_TEST_UNREACHABLE_SECRET = 'nobody-listens';
    const { fleet, customers } = setup('f', { id: 'f-1', adapter: 'webhook', url: 'http://127.0.0.1:1/deploy', healthUrl: 'http://127.0.0.1:1', secretEnv: 'RAMPART_TEST_UNREACHABLE_SECRET', labels: {} });
    const playbook = tenMinuteSteps({ onBreach: 'pause', customers: { noticeBefore: '1h', incidentUpdateEvery: '30m' } });
    const handle = await rig.startRollout({ ...rig.input('follow-ups', playbook), fleet, customers });
    const held = async () => (await rig.rollouts.status(handle.workflowId)).state === 'held';
    for (let i = 0; i < 8 * 24 * 4 && !(await held()); i++) await rig.env.sleep('15m');
    assert.ok(await held(), 'the breach holds the rollout');
    const heldAt = await rig.env.currentTimeMs();
    await rig.env.sleep('65m');
    await rig.rollouts.rollback(handle.workflowId, { by: 'oncall', reason: 'not coming back' });
    const done = (await handle.result()) as RolloutStatus;
    // f-1 never answers, so its rollback cannot be verified: the rollout says so instead of rolled_back.
    assert.equal(done.state, 'rollback_incomplete');

    const kinds = customer(done, 'acme').notices.filter((n) => n.category === 'incident').map((n) => n.kind);
    assert.deepEqual(kinds, ['incident', 'incident-update', 'incident-update', 'incident-update']);
    const updates = done.publicIncidents ?? [];
    assert.deepEqual(updates.map((u) => u.state), ['investigating', 'investigating', 'investigating', 'monitoring']);
    assert.equal(customer(done, 'acme').state, 'restore_unconfirmed');
    const gaps = updates.slice(1, 3).map((u, i) => Date.parse(u.at) - Date.parse(updates[i]!.at));
    assert.deepEqual(gaps.map((g) => Math.round(g / MINUTE)), [30, 30], 'a follow-up every 30 minutes');
    assert.ok(Math.abs(Date.parse(updates[0]!.at) - heldAt) <= 15 * MINUTE, 'the first notice goes as the breaker trips');
    // Each notice says when the next one comes.
    const acmeMails = smtp.messages().filter((m) => mailedTo(m, 'ops@acme.example'));
    assert.equal(acmeMails.length, 5, 'pre-deployment, incident, two follow-ups, hand-over');
    assert.match(mailText(acmeMails[4]!), /not yet confirmed/);
    assert.ok(acmeMails.slice(1, 4).every((m) => /next update/i.test(mailText(m))));
    assert.equal(customer(done, 'globex').notices.length, 0, 'Globex was never affected nor told');
  });

  test('a window missed while the rollout was paused is rebooked to the next one', async () => {
    const { fleet, customers } = setup('m', null);
    const playbook = tenMinuteSteps({ customers: { noticeBefore: '1h' } });
    const handle = await rig.startRollout({ ...rig.input('missed', playbook), fleet, customers });
    const first = customer(await waitForWindow(handle), 'acme').window!;
    await rig.rollouts.pause(handle.workflowId, { by: 'oncall', reason: 'investigating another alert' });
    // Sleep past the whole window, then resume.
    await rig.env.sleep(Date.parse(first.closesAt) - (await rig.env.currentTimeMs()) + 10 * MINUTE);
    await rig.rollouts.resume(handle.workflowId, { by: 'oncall' });
    const done = (await handle.result()) as RolloutStatus;
    assert.equal(done.state, 'completed', done.outcome?.reason);
    const acme = customer(done, 'acme');
    assert.equal(Date.parse(acme.window!.opensAt) - Date.parse(first.opensAt), 7 * 24 * 60 * MINUTE, 'the same window a week later');
    assert.ok(done.timeline.some((e) => e.event === 'customer rescheduled' && /paused past your maintenance window/.test(e.detail ?? '')));
    assert.equal(acme.notices.filter((n) => n.kind === 'pre-deployment' && n.outcome === 'sent').length, 2, 'told again of the new window');
  });

  test('a deferral while the rollout is paused at an open window is answered at once and honoured', async () => {
    const { fleet, customers } = setup('d', null);
    Object.assign(customers.customers[0]!, { maxDeferral: '14d' }); // the window may be most of a week away
    const playbook = tenMinuteSteps({ customers: { noticeBefore: '1h' } });
    const handle = await rig.startRollout({ ...rig.input('paused-defer', playbook), fleet, customers });
    const first = customer(await waitForWindow(handle), 'acme').window!;
    await rig.rollouts.pause(handle.workflowId, { by: 'oncall' });
    await rig.env.sleep(Date.parse(first.opensAt) - (await rig.env.currentTimeMs()) + 5 * MINUTE);
    const until = new Date(Date.parse(first.opensAt) + 2 * 24 * 60 * MINUTE).toISOString();
    const answer = await rig.rollouts.defer(handle.workflowId, { customerId: 'acme', until, by: 'ops@acme.example' });
    assert.match(answer, /acme deferred until .*; their update is rescheduled to Thu /);
    await rig.rollouts.resume(handle.workflowId, { by: 'oncall' });
    const done = (await handle.result()) as RolloutStatus;
    assert.equal(done.state, 'completed', done.outcome?.reason);
    assert.ok(Date.parse(customer(done, 'acme').window!.opensAt) >= Date.parse(until));
  });

  async function waitForWindow(handle: Awaited<ReturnType<TimeSkippingRig['startRollout']>>): Promise<RolloutStatus> {
    for (let i = 0; i < 100; i++) {
      const s = await rig.rollouts.status(handle.workflowId);
      if (customer(s, 'acme').state === 'waiting_for_window') return s;
      await rig.env.sleep('1s');
    }
    throw new Error('ACME never waited for its window');
  }
});
