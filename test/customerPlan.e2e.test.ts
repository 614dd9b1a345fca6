import assert from 'node:assert/strict';
import type { DeferArgs } from '../domain/deferral';
import { after, before, describe, test } from 'node:test';
import { startSlackServer, type SlackStandin } from '../local/standins/slackServer';
import type { SmtpStandin } from '../local/standins/smtpServer';
import type { CustomerRolloutStatus } from '../domain/customerRolloutStatus';
import type { Fleet } from '../domain/fleet';
import type { RolloutStatus } from '../domain/rolloutStatus';
import { rejectsWith } from './helpers/assertions';
import { startCustomerMail } from './helpers/customerMail';
import { TimeSkippingRig } from './helpers/dryRun';
import { fastPlaybook } from './helpers/rolloutHarness';
import { mailedTo, mailText } from './helpers/mailText';

const TOKEN = 'xoxb-customer-plan-test';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Four customers in four time zones; internal targets t-01 and t-02 belong to nobody. */
function customersFor(prefix: string, acmeTargets = [`${prefix}-3`, `${prefix}-4`]) {
  return {
    customers: [
      {
        id: 'acme', name: 'ACME Corp', targets: acmeTargets, channel: 'early-access', timeZone: 'Europe/Berlin',
        contacts: { emails: ['ops@acme.example'], slack: '#acme-updates' },
        maintenanceWindows: [{ day: 'tue', start: '02:00', duration: '3h' }],
        optOut: ['digest'], quietHours: { start: '22:00', end: '07:00' },
      },
      {
        id: 'globex', name: 'Globex', targets: [`${prefix}-5`, `${prefix}-6`], timeZone: 'America/New_York',
        contacts: { emails: ['it@globex.example'] },
        maintenanceWindows: [{ day: 'sat', start: '23:00', duration: '4h' }], maxDeferral: '14d',
      },
      {
        id: 'umbrella', name: 'Umbrella', targets: [`${prefix}-7`], timeZone: 'Asia/Kolkata',
        contacts: { emails: ['noc@umbrella.example'], slack: '#umbrella-ops' },
        maintenanceWindows: [{ day: 'wed', start: '01:30', duration: '2h' }],
      },
      {
        id: 'initech', name: 'Initech', targets: [`${prefix}-8`], timeZone: 'Asia/Tokyo', pinToPrevious: true,
        contacts: { emails: ['admin@initech.example'] },
        maintenanceWindows: [{ day: 'sun', start: '03:00', duration: '2h' }],
      },
    ],
  };
}

const noopFleet = (prefix: string): Fleet => ({
  name: 'customers', version: '0.9.0',
  targets: Array.from({ length: 8 }, (_, i) => ({ id: `${prefix}-${i + 1}`, adapter: 'noop' as const, labels: {} })),
});

const playbook = fastPlaybook({
  phases: { canary: { size: 1, bakeTime: '10m' }, waves: [{ size: '50%', bakeTime: '30m' }, { size: '100%', bakeTime: '30m' }] },
  health: { errorRate: { max: 0.1, maxIncrease: 0.05 }, minSamples: 10, analysisInterval: '5m', consecutiveBreaches: 2 },
  customers: { component: 'Rampart test service', noticeBefore: '24h' },
});

const customer = (s: RolloutStatus, id: string) => s.customers?.find((c) => c.id === id) as CustomerRolloutStatus;
const windowOpened = (s: RolloutStatus, id: string) => s.timeline.find((e) => e.event === 'customer window open' && e.detail?.startsWith(`${id}:`));

describe('the customer notification plan on the time-skipping server', () => {
  const rig = new TimeSkippingRig('1.0.1');
  let smtp: SmtpStandin;
  let slack: SlackStandin;
  before(async () => {
    smtp = await startCustomerMail('customers');
    slack = await startSlackServer({ tokens: [TOKEN], channels: ['#acme-updates', '#umbrella-ops', '#incidents'] });
    Object.assign(process.env, { SLACK_BOT_TOKEN: TOKEN, SLACK_API_URL: slack.url });
    await rig.start();
  });
  after(async () => {
    await rig.stop();
    await smtp?.close();
    await slack?.close();
  });

  test('each customer is told, waits for their window, can defer; the N-1 customer is left alone', async () => {
    const input = { ...rig.input('plan', playbook), fleet: noopFleet('p'), customers: customersFor('p') };
    const handle = await rig.startRollout(input);
    // Who is pinned is known once the rollout holds its fleet's lease and has read the targets' versions.
    const placed = async () => (await rig.rollouts.status(handle.workflowId)).timeline.some((e) => e.event === 'customer pinned to N-1');
    for (let i = 0; i < 200 && !(await placed()); i++) await new Promise((r) => setTimeout(r, 25));
    const started = await rig.rollouts.status(handle.workflowId);
    const latest = customer(started, 'globex').deferrableUntil;
    assert.equal(Date.parse(latest) - Date.parse(started.startedAt), 14 * DAY);

    // Refused deferrals name the rule and change nothing.
    const defer = (args: Omit<DeferArgs, 'by'>) => rig.rollouts.defer(handle.workflowId, { by: 'it@globex.example', ...args });
    await rejectsWith(defer({ customerId: 'initech', until: new Date(Date.now() + DAY).toISOString() }), /initech is pinned to the previous release line/);
    await rejectsWith(defer({ customerId: 'globex', until: new Date(Date.parse(latest) + HOUR).toISOString() }), /until: globex may defer this update until .* at the latest \(allowance 14d\)/);
    await rejectsWith(defer({ customerId: 'hooli', until: new Date(Date.now() + DAY).toISOString() }), /customerId: no customer "hooli"/);
    await rejectsWith(defer({ customerId: 'globex', until: 'next week' }), /invalid command: until: expected an ISO 8601 time/);
    assert.equal(customer(await rig.rollouts.status(handle.workflowId), 'globex').deferral, null);

    const until = new Date(Date.parse(started.startedAt) + 9 * DAY).toISOString();
    assert.match(await defer({ customerId: 'globex', until, reason: 'quarter-end freeze' }), /globex deferred until/);

    const done = (await handle.result()) as RolloutStatus;
    assert.equal(done.state, 'completed', done.outcome?.reason);
    assert.match(done.outcome?.reason ?? '', /1 pinned to N-1 left alone/);

    // The pinned customer: untouched, and told nothing.
    assert.equal(customer(done, 'initech').state, 'pinned');
    assert.equal(done.targets.find((t) => t.id === 'p-8')?.version, '0.9.0');
    assert.deepEqual(customer(done, 'initech').notices, []);

    // Early Access in the canary, Stable in the waves.
    assert.equal(customer(done, 'acme').step, 'canary');
    assert.equal(customer(done, 'globex').step, 'wave-1');
    assert.equal(customer(done, 'umbrella').step, 'wave-2');

    for (const [id, weekday, localStart] of [['acme', 'Tue', '02:00'], ['globex', 'Sat', '23:00'], ['umbrella', 'Wed', '01:30']] as const) {
      const c = customer(done, id);
      assert.equal(c.state, 'updated');
      assert.ok(c.window, `${id} has a window`);
      assert.match(c.window.label, new RegExp(`^${weekday} .*${localStart}`), `${id}'s window in their own zone: ${c.window.label}`);
      // Updated inside the window, never before it...
      const opened = Date.parse(windowOpened(done, id)?.at ?? '');
      assert.ok(opened >= Date.parse(c.window.opensAt) && opened < Date.parse(c.window.closesAt), `${id} updated at ${new Date(opened).toISOString()}, window ${c.window.opensAt}..${c.window.closesAt}`);
      // ...and at least the notice period after being told.
      const told = c.notices.find((n) => n.kind === 'pre-deployment' && n.outcome === 'sent');
      assert.ok(told, `${id} got a pre-deployment notice`);
      assert.ok(Date.parse(c.window.opensAt) - Date.parse(told.at) >= DAY - 60_000, `${id} told ${told.at}, window ${c.window.opensAt}`);
      assert.ok(c.notices.some((n) => n.kind === 'post-deployment' && n.outcome === 'sent'), `${id} got a post-deployment notice`);
    }
    // The deferral was honoured: the first Saturday window after it, not the one before.
    const globex = customer(done, 'globex');
    assert.equal(globex.deferral?.until, until);
    assert.ok(Date.parse(globex.window?.opensAt ?? '') >= Date.parse(until), `globex window ${globex.window?.opensAt} after deferral ${until}`);
    assert.ok(Date.parse(globex.window?.opensAt ?? '') < Date.parse(until) + 7 * DAY);

    // Quiet hours: ACME's post-deployment notice, due in the Berlin night, was held until 07:00.
    const acmePost = customer(done, 'acme').notices.filter((n) => n.kind === 'post-deployment');
    assert.deepEqual(acmePost.map((n) => n.outcome), ['held', 'sent']);
    assert.equal(new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Berlin', hour: '2-digit', hour12: false }).format(new Date(acmePost[1]!.at)), '07');

    // Exactly once, over real SMTP and the Slack stand-in: two mails per updated customer, none to Initech.
    const mails = smtp.messages().filter((m) => m.headers.subject?.includes('1.0.1'));
    const to = (address: string) => mails.filter((m) => mailedTo(m, address));
    assert.equal(to('ops@acme.example').length, 2);
    assert.equal(to('it@globex.example').length, 2);
    assert.equal(to('noc@umbrella.example').length, 2);
    assert.equal(to('admin@initech.example').length, 0);
    assert.equal(new Set(mails.map((m) => m.headers.messageId)).size, mails.length, 'no mail twice');
    assert.ok(to('it@globex.example').some((m) => mailText(m).includes(globex.window?.label ?? '?')), 'the pre-deployment mail names the window in their zone');
    assert.ok(!mails.some((m) => /\bp-\d\b/.test(mailText(m))), 'no host names in customer mail');
    const slackPosts = slack.messages().filter((m) => m.text.includes('1.0.1'));
    assert.equal(slackPosts.filter((m) => m.channelName === 'acme-updates').length, 2);
    assert.equal(slackPosts.filter((m) => m.channelName === 'umbrella-ops').length, 2);
    assert.deepEqual(done.notices, { sent: 6, suppressed: 0, held: 1, batched: 0, failed: 0 });
  });

  test('stopped after Globex was told but before its window: Globex hears once it is called off, ACME that it is reverted', async () => {
    const handle = await rig.startRollout({ ...rig.input('called-off', playbook), fleet: noopFleet('r'), customers: customersFor('r') });
    const told = async () => customer(await rig.rollouts.status(handle.workflowId), 'globex').notices.some((n) => n.kind === 'pre-deployment' && n.outcome === 'sent');
    for (let i = 0; i < 14 * 24 && !(await told()); i++) await rig.env.sleep('1h');
    assert.ok(await told(), 'Globex was told of its window');
    const beforeStop = smtp.messages().length;
    await rig.rollouts.stop(handle.workflowId, { by: 'oncall', then: 'rollback', reason: 'bad news from another release' });
    const done = (await handle.result()) as RolloutStatus;
    assert.equal(done.state, 'rolled_back');
    assert.equal(customer(done, 'globex').waitingFor, 'update called off');
    assert.equal(customer(done, 'acme').state, 'rolled_back');
    const mails = smtp.messages().slice(beforeStop);
    const globex = mails.filter((m) => mailedTo(m, 'it@globex.example'));
    assert.equal(globex.length, 1);
    assert.match(mailText(globex[0]!), /called off; nothing changed on your systems/);
    // ACME's systems had the update: an incident notice that they are being reverted, then the resolution.
    assert.equal(mails.filter((m) => mailedTo(m, 'ops@acme.example')).length, 2);
    assert.deepEqual(done.publicIncidents?.map((u) => [u.state, u.affected]), [['rolling_back', ['acme']], ['resolved', ['acme']]]);
    for (const other of ['noc@umbrella.example', 'admin@initech.example']) assert.equal(mails.filter((m) => mailedTo(m, other)).length, 0, other);
  });

  test('an incident notice reaches only the customers whose systems changed', async () => {
    // ACME's first system is a webhook nobody answers: its install fails in the canary and trips the breaker.
    process.env.RAMPART_TEST_UNREACHABLE_SECRET = 'nobody-listens';
    const fleet = noopFleet('q');
    fleet.targets[2] = { id: 'q-3', adapter: 'webhook', url: 'http://127.0.0.1:1/deploy', healthUrl: 'http://127.0.0.1:1', secretEnv: 'RAMPART_TEST_UNREACHABLE_SECRET', labels: {} };
    const before = smtp.messages().length;
    const handle = await rig.startRollout({ ...rig.input('incident', playbook), fleet, customers: customersFor('q') });
    const done = (await handle.result()) as RolloutStatus;
    // q-3 never answers, so its rollback cannot be verified: the rollout says so instead of rolled_back.
    assert.equal(done.state, 'rollback_incomplete');
    assert.match(done.outcome?.reason ?? '', /q-3/);
    // ...and nobody tells ACME its service is restored: people take the incident over.
    assert.equal(customer(done, 'acme').state, 'restore_unconfirmed');
    assert.match(customer(done, 'acme').waitingFor ?? '', /our engineers are confirming/);
    assert.deepEqual(done.publicIncidents?.map((u) => [u.state, u.affected]), [['rolling_back', ['acme']], ['monitoring', ['acme']]]);
    assert.match(done.publicIncidents?.at(-1)?.message ?? '', /some are not yet confirmed/);
    assert.ok(!done.publicIncidents?.some((u) => /q-\d|127\.0\.0\.1/.test(u.message)), 'nothing internal in public words');

    const mails = smtp.messages().slice(before);
    const acme = mails.filter((m) => mailedTo(m, 'ops@acme.example')).map((m) => m.headers.subject ?? '');
    assert.equal(acme.length, 3, `pre-deployment, incident, update: ${acme.join(' | ')}`);
    const last = mails.filter((m) => mailedTo(m, 'ops@acme.example')).at(-1);
    assert.match(mailText(last!), /not yet confirmed/);
    assert.doesNotMatch(mailText(last!), /Service restored/);
    assert.ok(acme.some((s) => /incident|problem|issue/i.test(s)));
    for (const other of ['it@globex.example', 'noc@umbrella.example', 'admin@initech.example']) {
      assert.deepEqual(mails.filter((m) => mailedTo(m, other)).map((m) => m.headers.subject), [], `${other} hears nothing`);
    }
  });
});
