/**
 * Customer notices against real local servers: the SMTP stand-in, the Slack stand-in and an HTTP
 * receiver that checks each webhook's signature. What is asserted is what the customer receives:
 * mails (subject, body), Slack messages and webhook bodies, each exactly once per notice key,
 * and the notices their preferences hold back.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createActivities, type RampartActivities } from '../activities';
import type { BatchOutcomes } from '../activities/customerNotify/deliverNoticeBatch';
import { noticeMessageId } from '../activities/customerNotify/emailNotice';
import { NoticeDecisionLog } from '../activities/customerNotify/noticeDecisionLog';
import { decideOnce } from '../activities/customerNotify/stableDecision';
import { verifyWebhookSignature } from '../contract/webhookSignature';
import { MailTransport } from '../activities/notify/mailTransport';
import { channelIdFor } from '../local/standins/slackWorkspace';
import { startSlackServer, type SlackStandin } from '../local/standins/slackServer';
import { startSmtpServer, type SmtpStandin } from '../local/standins/smtpServer';
import { MockActivityEnvironment } from '@temporalio/testing';
import { failureOf } from './helpers/assertions';
import { mailText } from './helpers/mailText';
import { renderCustomerNotice } from '../domain/customerMessages';
import type { CustomerNotice, NoticeCategory, NoticeFacts, NoticeKind } from '../domain/customerNotice';
import type { Customer } from '../domain/customers';
import { decideDelivery } from '../domain/noticePolicy';

const TOKEN = `xoxb-test-${randomBytes(12).toString('hex')}`;
const CHANNEL = '#acme-updates';
const SECRET_ENV = 'ACME_NOTICE_WEBHOOK_SECRET';
const SECRET = randomBytes(24).toString('hex');
const TARGETS = ['edge-fra-07', 'db-primary-3'];
const WINDOW_LABEL = 'Tue 24 Nov 02:00–05:00 CET';

/** Every request the customer's webhook receiver got, with its verdict on the signature. */
interface WebhookDelivery {
  key: string | undefined;
  signature: { ok: boolean; reason?: string };
  status: number;
  body: Record<string, unknown>;
}

interface WebhookReceiver {
  url: string;
  deliveries: WebhookDelivery[];
  /** The next `count` requests are answered with `status`. */
  answerNext(status: number, count?: number): void;
  close(): Promise<void>;
}

/** A customer's webhook endpoint: checks the HMAC signature, answers 401 when it is wrong. */
async function startWebhookReceiver(secret: string): Promise<WebhookReceiver> {
  const deliveries: WebhookDelivery[] = [];
  const scripted: number[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const signature = verifyWebhookSignature({
        secret,
        timestamp: req.headers['x-rampart-timestamp'] as string | undefined,
        signature: req.headers['x-rampart-signature'] as string | undefined,
        body: text,
      });
      const status = !signature.ok ? 401 : (scripted.shift() ?? 200);
      deliveries.push({ key: req.headers['idempotency-key'] as string | undefined, signature, status, body: JSON.parse(text) as Record<string, unknown> });
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(status === 200 ? { received: true } : { error: `scripted ${status}` }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/rampart/notices?team=not-for-logs`,
    deliveries,
    answerNext: (status, count = 1) => scripted.push(...Array<number>(count).fill(status)),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

let stateDir = '';
let slack: SlackStandin;
let smtp: SmtpStandin;
let webhook: WebhookReceiver;
let mailer: MailTransport;
let deliverCustomerNotice: RampartActivities['deliverCustomerNotice'];
let deliverCustomerNotices: RampartActivities['deliverCustomerNotices'];

before(async () => {
  stateDir = await mkdtemp(path.join(tmpdir(), 'rampart-customer-notify-test-'));
  slack = await startSlackServer({ tokens: [TOKEN], channels: [CHANNEL, '#general'] });
  smtp = await startSmtpServer();
  webhook = await startWebhookReceiver(SECRET);
  process.env[SECRET_ENV] = SECRET;
  mailer = new MailTransport({ smtpUrl: smtp.url, from: 'updates@rampart.test' });
  ({ deliverCustomerNotice, deliverCustomerNotices } = createActivities({
    stateDir: path.join(stateDir, 'state'),
    artifactStore: [stateDir],
    slack: { token: TOKEN, apiUrl: slack.url },
    mail: mailer,
    secret: (name) => process.env[name],
  }));
});

after(async () => {
  mailer?.close();
  await webhook?.close();
  await slack?.close();
  await smtp?.close();
  await rm(stateDir, { recursive: true, force: true });
});

function customer(overrides: Partial<Customer> = {}, contacts: Partial<Customer['contacts']> = {}): Customer {
  const id = `acme-${randomBytes(3).toString('hex')}`;
  return {
    id,
    name: 'Acme Logistics',
    targets: TARGETS,
    contacts: { emails: [`ops@${id}.example`], slack: CHANNEL, webhook: { url: webhook.url, secretEnv: SECRET_ENV }, ...contacts },
    channel: 'stable',
    timeZone: 'Europe/Berlin',
    maintenanceWindows: [{ day: 'tue', start: '02:00', duration: 3 * 3_600_000 }],
    maxDeferral: 7 * 86_400_000,
    pinToPrevious: false,
    optOut: [],
    routineNoticesPerWeek: 3,
    ...overrides,
  };
}

let seq = 0;
function notice(c: Customer, kind: NoticeKind, category: NoticeCategory = kind.startsWith('incident') ? 'incident' : (kind as NoticeCategory), facts: Partial<NoticeFacts> = {}): CustomerNotice {
  const rolloutId = `rollout-${randomUUID().slice(0, 8)}`;
  return {
    key: `${rolloutId}/${c.id}/${kind}/${++seq}`,
    rolloutId,
    kind,
    category,
    createdAt: new Date().toISOString(),
    facts: {
      release: '2.4.0',
      fromVersion: '2.3.1',
      component: 'Acme Shipping API',
      releaseNotes: 'Faster label printing.\nFixes a rare timeout when booking pickups.',
      security: category === 'security',
      window: { opensAt: '2026-11-24T01:00:00Z', closesAt: '2026-11-24T04:00:00Z', label: WINDOW_LABEL },
      expectedImpact: 'Requests may be slower for a few seconds while services restart.',
      expectedDowntime: 'none expected',
      howToDefer: 'Open the status portal and choose "Defer", or ask us to run: rampart rollout defer <rollout> --customer <you>.',
      deferUntilLatest: '2026-11-30T08:00:00Z',
      reportProblem: 'Reply to this message or open a ticket with support.',
      impact: 'Some label requests fail with an error.',
      action: 'We are rolling back to the previous version.',
      nextUpdateAt: '2026-11-24T03:30:00Z',
      portalUrl: 'https://status.rampart.test/acme',
      ...facts,
    },
  };
}

const mailsFor = (key: string) => smtp.messages().filter((m) => m.headers.messageId === noticeMessageId(key));
const slackFor = (key: string) => slack.messages().filter((m) => m.metadata?.event_payload.key === `${key}/slack`);
const accepted = (key: string) => webhook.deliveries.filter((d) => d.key === key && d.status === 200);

describe('deliverCustomerNotice', () => {
  test('a pre-deployment notice reaches mail, Slack and webhook exactly once, also when the activity runs twice', async () => {
    const c = customer();
    const n = notice(c, 'pre-deployment');
    assert.deepEqual(await deliverCustomerNotice({ notice: n, customer: c }), { outcome: 'sent', channels: ['email', 'slack', 'webhook'] });
    assert.deepEqual(await deliverCustomerNotice({ notice: n, customer: c }), { outcome: 'sent', channels: ['email', 'slack', 'webhook'] });

    const [mail, ...moreMails] = mailsFor(n.key);
    assert.equal(moreMails.length, 0, 'one mail');
    assert.deepEqual(mail!.envelope.to, c.contacts.emails);
    assert.equal(mail!.headers.subject, `Acme Shipping API will be updated to 2.4.0 on ${WINDOW_LABEL}`);
    const text = mailText(mail!);
    for (const expected of ['Hello Acme Logistics,', 'from version 2.3.1 to 2.4.0', `When: ${WINDOW_LABEL}`, 'Expected downtime: none expected', 'Faster label printing.', 'choose "Defer"', 'until Mon, 30 Nov 2026, 09:00 CET at the latest']) {
      assert.ok(text.includes(expected), `mail text has ${JSON.stringify(expected)}:\n${text}`);
    }
    for (const target of TARGETS) assert.ok(!mail!.raw.includes(target), `the mail names no target (${target})`);

    const [post, ...morePosts] = slackFor(n.key);
    assert.equal(morePosts.length, 0, 'one Slack message');
    assert.equal(post!.channel, channelIdFor(CHANNEL));
    assert.ok(post!.text.includes(WINDOW_LABEL));
    assert.equal((post!.blocks?.[0] as { text: { text: string } }).text.text, mail!.headers.subject);

    const hooks = webhook.deliveries.filter((d) => d.key === n.key);
    assert.equal(hooks.length, 1, 'one webhook request');
    assert.deepEqual(hooks[0]!.signature, { ok: true });
    assert.equal(hooks[0]!.body.kind, 'pre-deployment');
    assert.equal(hooks[0]!.body.id, n.key);
    assert.equal(hooks[0]!.body.subject, mail!.headers.subject);
    assert.equal((hooks[0]!.body.facts as NoticeFacts).window?.label, WINDOW_LABEL);
  });

  test('a retry after Slack and the webhook failed sends only what is missing', async () => {
    const c = customer();
    const n = notice(c, 'post-deployment');
    slack.failNext(1, 500);
    webhook.answerNext(503);
    const failure = await failureOf(() => deliverCustomerNotice({ notice: n, customer: c }));
    assert.equal(failure.nonRetryable, false, 'worth retrying');
    assert.match(failure.message, /slack.*HTTP 500/i);
    assert.match(failure.message, /webhook .*answered HTTP 503/);
    assert.ok(!failure.message.includes('not-for-logs'), 'the webhook query string stays out of errors');
    assert.equal(mailsFor(n.key).length, 1, 'mail went out on the first attempt');

    assert.deepEqual(await deliverCustomerNotice({ notice: n, customer: c }), { outcome: 'sent', channels: ['email', 'slack', 'webhook'] });
    assert.equal(mailsFor(n.key).length, 1, 'the retry did not mail again');
    assert.equal(slackFor(n.key).length, 1);
    assert.equal(accepted(n.key).length, 1);
    assert.match(mailsFor(n.key)[0]!.headers.subject!, /^Acme Shipping API is now on 2\.4\.0$/);
    assert.ok(mailText(mailsFor(n.key)[0]!).includes('Something not right? Reply to this message or open a ticket with support.'));
  });

  test('an opted-out routine notice is suppressed; a security notice to the same customer is sent', async () => {
    const c = customer({ optOut: ['pre-deployment'] });
    const routine = notice(c, 'pre-deployment');
    assert.deepEqual(await deliverCustomerNotice({ notice: routine, customer: c }), { outcome: 'suppressed', reason: 'opted out of pre-deployment' });
    assert.equal(mailsFor(routine.key).length + slackFor(routine.key).length + webhook.deliveries.filter((d) => d.key === routine.key).length, 0);

    const security = notice(c, 'pre-deployment', 'security');
    assert.equal((await deliverCustomerNotice({ notice: security, customer: c })).outcome, 'sent');
    const [mail] = mailsFor(security.key);
    assert.equal(mail!.headers.subject, `Security fix: Acme Shipping API will be updated to 2.4.0 on ${WINDOW_LABEL}`);
    assert.ok(mailText(mail!).includes('This update fixes a security issue.'));
    assert.equal(slackFor(security.key).length, 1);
  });

  test('the weekly cap suppresses the routine notice after the cap, stays stable on a retry, and never holds back an incident', async () => {
    const c = customer({ routineNoticesPerWeek: 2 });
    const [first, second, third] = [notice(c, 'post-deployment'), notice(c, 'digest', 'digest', { changes: [{ at: '2026-11-20T10:00:00Z', text: 'Label PDFs are smaller.' }] }), notice(c, 'pre-deployment')];
    assert.equal((await deliverCustomerNotice({ notice: first!, customer: c })).outcome, 'sent');
    assert.equal((await deliverCustomerNotice({ notice: second!, customer: c })).outcome, 'sent');
    const capped = { outcome: 'suppressed', reason: 'weekly cap of 2 routine notices reached' };
    assert.deepEqual(await deliverCustomerNotice({ notice: third!, customer: c }), capped);
    assert.deepEqual(await deliverCustomerNotice({ notice: third!, customer: c }), capped, 'a retry gets the recorded answer');
    assert.equal((await deliverCustomerNotice({ notice: first!, customer: c })).outcome, 'sent', 'a retry of an allowed notice keeps its place');

    const incident = notice(c, 'incident');
    assert.equal((await deliverCustomerNotice({ notice: incident, customer: c })).outcome, 'sent');

    const subjects = smtp.messages().filter((m) => m.envelope.to.includes(c.contacts.emails[0]!)).map((m) => m.headers.subject);
    assert.deepEqual(subjects, ['Acme Shipping API is now on 2.4.0', 'Acme Shipping API: 1 minor change since our last notice', 'Incident: Acme Shipping API is affected by an update']);
    assert.ok(mailText(mailsFor(second!.key)[0]!).includes('Label PDFs are smaller.'));
  });

  test('quiet hours hold a routine notice until they end; an incident notice goes at once', async () => {
    // Quiet hours around the present moment in Kolkata (UTC+05:30 all year): from an hour ago to two hours ahead.
    const now = Date.now();
    const clockIn = (ms: number) => new Date(ms + 330 * 60_000).toISOString().slice(11, 16);
    const c = customer({ timeZone: 'Asia/Kolkata', quietHours: { start: clockIn(now - 3_600_000), end: clockIn(now + 7_200_000) } });
    const endsAt = new Date(Math.floor(now / 60_000) * 60_000 + 7_200_000).toISOString();

    const routine = notice(c, 'pre-deployment');
    const held = await deliverCustomerNotice({ notice: routine, customer: c });
    assert.equal(held.outcome, 'held');
    assert.equal(held.outcome === 'held' && new Date(held.until).toISOString(), endsAt);
    assert.match(held.outcome === 'held' ? held.reason : '', /quiet hours/);
    assert.deepEqual(await deliverCustomerNotice({ notice: routine, customer: c }), held, 'a retry gets the same hold');
    assert.equal(mailsFor(routine.key).length + slackFor(routine.key).length, 0);

    const incident = notice(c, 'incident');
    assert.deepEqual(await deliverCustomerNotice({ notice: incident, customer: c }), { outcome: 'sent', channels: ['email', 'slack', 'webhook'] });
    const text = mailText(mailsFor(incident.key)[0]!);
    assert.ok(text.includes('What you may notice: Some label requests fail with an error.'));
    assert.ok(text.includes('What we are doing: We are rolling back to the previous version.'));
    assert.ok(text.includes('Next update: by Tue, 24 Nov 2026, 09:00 GMT+5:30') || text.includes('Next update: by Tue, 24 Nov 2026, 09:00 IST'), text);
  });

  test('a missing webhook secret is a configuration error that names the variable, and nothing goes out', async () => {
    const c = customer({}, { webhook: { url: webhook.url, secretEnv: 'ACME_SECRET_NOT_SET' } });
    const n = notice(c, 'pre-deployment');
    const failure = await failureOf(() => deliverCustomerNotice({ notice: n, customer: c }));
    assert.equal(failure.type, 'ConfigurationError');
    assert.equal(failure.nonRetryable, true);
    assert.match(failure.message, /environment variable ACME_SECRET_NOT_SET/);
    assert.equal(mailsFor(n.key).length + slackFor(n.key).length, 0, 'no channel sent half a notice');

    // Fixed configuration: the same notice now goes out (nothing was recorded for it).
    process.env.ACME_SECRET_NOT_SET = SECRET;
    try {
      assert.equal((await deliverCustomerNotice({ notice: n, customer: c })).outcome, 'sent');
    } finally {
      delete process.env.ACME_SECRET_NOT_SET;
    }
  });

  test('a webhook that refuses with 4xx fails for good, naming the status; mail still goes out', async () => {
    const c = customer({}, { slack: undefined });
    const n = notice(c, 'post-deployment');
    webhook.answerNext(410);
    const failure = await failureOf(() => deliverCustomerNotice({ notice: n, customer: c }));
    assert.equal(failure.type, 'WebhookRejected');
    assert.equal(failure.nonRetryable, true);
    assert.match(failure.message, /answered HTTP 410/);
    assert.equal(mailsFor(n.key).length, 1);
  });

  test('bad arguments are a non-retryable InvalidInput naming the field', async () => {
    const c = customer();
    const n = { ...notice(c, 'incident'), category: 'post-deployment' as const };
    const failure = await failureOf(() => deliverCustomerNotice({ notice: n, customer: c }));
    assert.equal(failure.type, 'InvalidInput');
    assert.match(failure.message, /category: an incident notice must be in the incident or security category/);
  });
});

describe('deliverCustomerNotices (a batch)', () => {
  /** The batch as the rollout sends it: what all notices share once, each its own facts and key number. */
  function batchOf(notices: CustomerNotice[], customers: Customer[], lastAttempt = 40) {
    const seqOf = (n: CustomerNotice) => Number(n.key.split('/').at(-1));
    return {
      items: notices.map((n, i) => ({ customer: customers[i]!, notice: { rolloutId: n.rolloutId, kind: n.kind, category: n.category, createdAt: n.createdAt, seq: seqOf(n), facts: {} } })),
      shared: { facts: notices[0]!.facts },
      lastAttempt,
    };
  }
  const run = (args: ReturnType<typeof batchOf>, attempt = 1) => new MockActivityEnvironment({ attempt }).run(deliverCustomerNotices, args) as Promise<BatchOutcomes>;
  const outcomes = (answer: BatchOutcomes) => answer.of.map((i) => answer.distinct[i]!);

  test('a customer whose notice fails for good does not stop the others', async () => {
    const [a, b, c] = [customer(), customer({}, { webhook: { url: webhook.url, secretEnv: 'RAMPART_TEST_NO_SUCH_SECRET' } }), customer()];
    const notices = [a, b, c].map((x) => notice(x, 'pre-deployment'));
    const answer = outcomes(await run(batchOf(notices, [a!, b!, c!])));
    assert.deepEqual(answer.map((o) => o.outcome), ['sent', 'failed', 'sent']);
    assert.match((answer[1] as { reason: string }).reason, /RAMPART_TEST_NO_SUCH_SECRET .*is not set/);
    for (const n of [notices[0]!, notices[2]!]) {
      assert.equal(mailsFor(n.key).length, 1, `${n.key} mailed once`);
      assert.equal(accepted(n.key).length, 1, `${n.key} webhooked once`);
    }
    assert.equal(mailsFor(notices[1]!.key).length, 0, 'nothing sent for a customer that cannot be reached on every channel');
  });

  test('a transient failure retries the batch, and the retry sends nothing twice; on the last attempt it is reported failed', async () => {
    const [a, b] = [customer(), customer()];
    const notices = [a!, b!].map((x) => notice(x, 'post-deployment'));
    webhook.answerNext(503);
    const failure = await run(batchOf(notices, [a!, b!])).then(() => null, (err: unknown) => err as Error);
    assert.match(failure?.message ?? 'no failure', /1 of 2 notices not delivered yet; first: .*webhook .*503/);
    assert.deepEqual(outcomes(await run(batchOf(notices, [a!, b!]), 2)).map((o) => o.outcome), ['sent', 'sent']);
    for (const n of notices) {
      assert.equal(mailsFor(n.key).length, 1, `${n.key} mailed once over both attempts`);
      assert.equal(accepted(n.key).length, 1, `${n.key} accepted once`);
    }

    const last = customer();
    const lastNotice = notice(last, 'post-deployment');
    webhook.answerNext(503);
    const final = outcomes(await run(batchOf([lastNotice], [last]), 40));
    assert.equal(final[0]?.outcome, 'failed');
    assert.match((final[0] as { reason: string }).reason, /503/);
  });
});

describe('the delivery decision', () => {
  test('quiet hours across midnight hold routine notices until they end in the customer zone', () => {
    const berlin = customer({ quietHours: { start: '22:00', end: '07:00' } });
    const now = new Date('2026-11-24T23:30:00Z'); // 00:30 CET
    assert.deepEqual(decideDelivery({ notice: notice(berlin, 'post-deployment'), customer: berlin, now, routineSentThisWeek: 0 }), {
      action: 'held',
      until: new Date('2026-11-25T06:00:00Z'),
      reason: 'quiet hours 22:00–07:00 (Europe/Berlin)',
    });
    assert.deepEqual(decideDelivery({ notice: notice(berlin, 'post-deployment', 'security'), customer: berlin, now, routineSentThisWeek: 9 }), { action: 'send' });
    assert.deepEqual(decideDelivery({ notice: notice(berlin, 'post-deployment'), customer: berlin, now: new Date('2026-11-24T12:00:00Z'), routineSentThisWeek: 0 }), { action: 'send' });
  });

  test('a recorded hold is returned on a retry and judged afresh once it is over; the cap counts from Monday in the customer zone', async () => {
    const log = new NoticeDecisionLog(path.join(stateDir, 'decisions-test', 'customer-notices.jsonl'));
    const c = customer({ quietHours: { start: '22:00', end: '07:00' }, routineNoticesPerWeek: 1 });
    const n = notice(c, 'post-deployment');
    const night = await decideOnce(log, n, c, new Date('2026-11-24T23:30:00Z'));
    assert.equal(night.decision, 'held');
    assert.equal((await decideOnce(log, n, c, new Date('2026-11-25T05:00:00Z'))).until, night.until, 'a retry during the hold');
    const morning = await decideOnce(log, n, c, new Date('2026-11-25T06:00:00Z'));
    assert.equal(morning.decision, 'send');
    // Sunday 23:30 CET is the same week; Monday 00:30 CET (Sunday 23:30 UTC) is a new one.
    assert.equal((await decideOnce(log, notice(c, 'digest'), c, new Date('2026-11-29T21:00:00Z'))).reason, 'weekly cap of 1 routine notices reached');
    assert.equal((await decideOnce(log, notice(c, 'digest'), c, new Date('2026-11-29T23:30:00Z'))).decision, 'held', 'new week: only quiet hours stand in the way');
    assert.equal((await decideOnce(log, notice(c, 'digest'), c, new Date('2026-11-30T12:00:00Z'))).decision, 'send');
    // A restarted worker reads the same decisions from the file.
    assert.equal((await new NoticeDecisionLog(log.file).get(n.key))?.decision, 'send');
  });
});

describe('renderCustomerNotice', () => {
  test('plain customer language with the window label, no internal data, and escaped HTML', () => {
    const c = customer();
    const n = notice(c, 'pre-deployment', 'pre-deployment', { releaseNotes: 'Adds <script>alert("x")</script> & more' });
    const rendered = renderCustomerNotice(n, c);
    const everything = JSON.stringify(rendered);
    for (const target of TARGETS) assert.ok(!everything.includes(target), `no target id ${target}`);
    assert.equal(everything.split(n.rolloutId).length - 1, 1, 'the rollout id only inside the webhook body\'s notice id');
    for (const out of [rendered.text, rendered.html, rendered.slack.text]) assert.ok(out.includes(WINDOW_LABEL), 'window label');
    assert.ok(rendered.html.includes('Adds &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more'));
    assert.ok(!rendered.html.includes('<script>'));
    assert.ok(rendered.slack.text.includes('Adds &lt;script&gt;'), 'Slack mrkdwn escaped');
    assert.ok(rendered.text.includes('Adds <script>alert("x")</script> & more'), 'the text part as written');

    const resolved = renderCustomerNotice(notice(c, 'incident-resolved', 'incident', { action: 'We rolled back to 2.3.1; everything works again.' }), c);
    assert.equal(resolved.subject, 'Resolved: the incident affecting Acme Shipping API');
    assert.ok(resolved.text.includes('Resolution: We rolled back to 2.3.1; everything works again.'));
    const update = renderCustomerNotice(notice(c, 'incident-update'), c);
    assert.ok(update.text.includes('Next update: by Tue, 24 Nov 2026, 04:30 CET'));
  });

  test('raw text in the facts (history from before the schemas, a raw start) reaches no subject, mail, or Slack message raw', () => {
    const c = customer();
    const raw = '\u001b[2J\u001b]0;owned\u0007<!channel> \u202Egpj.exe\r\nBcc: x@evil.example';
    const rendered = renderCustomerNotice(notice(c, 'pre-deployment', 'pre-deployment', { component: `API ${raw}`, releaseNotes: `Fixes ${raw}` }), c);
    const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
    for (const [what, text] of [['subject', rendered.subject], ['text', rendered.text], ['html', rendered.html], ['slack', rendered.slack.text]] as const) {
      assert.doesNotMatch(text, RAW, what);
    }
    assert.doesNotMatch(rendered.subject, /[\r\n]/, 'one header line: nothing can add a Bcc');
    assert.match(rendered.subject, /API \\u001b\[2J/);
    assert.ok(!rendered.slack.text.includes('<!channel>') && rendered.slack.text.includes('&lt;!channel&gt;'));
  });
});
