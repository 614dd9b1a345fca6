/**
 * Notifications against real local servers: the Slack stand-in (HTTP, answering as Slack does)
 * and a real SMTP server, with the real activities called directly and through a Temporal worker
 * on the shared dev server. Exactly once per key, also across a crash, a 429 storm and an SMTP
 * server that is down for a while.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { WebClient } from '@slack/web-api';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { incidentBlocks, type IncidentNotice } from '../domain/incidentBlocks';
import type { SendEmailInput } from '../activities/notify/emailNotifier';
import { MailTransport } from '../activities/notify/mailTransport';
import { FileSentLedger, fileLedgerIn, LEDGER_FILE } from '../activities/notify/sentLedger';
import { slackClientSource, type SlackSettings } from '../activities/notify/slackClient';
import { notifyActivities, type NotifyActivities } from '../activities/notify';
import { nodeArgsForTs } from '../local/process/tsxCommand';
import { verifySlackSignature } from '../client/slackSignature';
import { blockActionsBody, signSlackRequest } from '../local/standins/slackSignature';
import { channelIdFor } from '../local/standins/slackWorkspace';
import { startSlackServer, type SlackStandin, type StoredMessage } from '../local/standins/slackServer';
import { startSmtpServer, type SmtpStandin } from '../local/standins/smtpServer';
import { postSlackOnce, sendEmailOnce } from './fixtures/notify/workflows';
import { failureOf } from './helpers/assertions';
import { ProcessGroup } from '../local/process/processes';
import { bundleWorkflows, createDevEnv, uniqueTaskQueue } from './helpers/temporal';

const TOKEN = `xoxb-test-${randomBytes(12).toString('hex')}`;
const INCIDENTS = channelIdFor('incidents');
const BOUNCE = 'bounce@example.com';

let stateDir = '';
let slack: SlackStandin;
let smtp: SmtpStandin;
const procs = new ProcessGroup();
/** The activities under test, on their own dependencies (a worker gets them from worker/config.ts). */
let mailer: MailTransport;
let activities: NotifyActivities;
let { postSlackMessage, updateSlackMessage, sendEmail } = {} as NotifyActivities;
const notifyWith = (o: { stateDir?: string; slack?: SlackSettings; mail?: MailTransport }) =>
  notifyActivities({
    slack: slackClientSource(o.slack ?? { token: TOKEN, apiUrl: slack.url }),
    mail: o.mail ?? mailer,
    ledger: fileLedgerIn(o.stateDir ?? path.join(stateDir, 'state')),
  });

before(async () => {
  stateDir = await mkdtemp(path.join(tmpdir(), 'rampart-notify-test-'));
  slack = await startSlackServer({ tokens: [TOKEN] });
  smtp = await startSmtpServer({ storeFile: path.join(stateDir, 'mails.jsonl'), rejectRecipients: [BOUNCE] });
  // For the worker in a child process (fixtures/notify/postInChild.ts), configured from its environment.
  Object.assign(process.env, {
    RAMPART_STATE_DIR: path.join(stateDir, 'state'),
    SLACK_BOT_TOKEN: TOKEN,
    SLACK_API_URL: slack.url,
    SMTP_URL: smtp.url,
    MAIL_FROM: 'rampart@test.local',
  });
  mailer = new MailTransport({ smtpUrl: smtp.url, from: 'rampart@test.local' });
  activities = notifyWith({});
  ({ postSlackMessage, updateSlackMessage, sendEmail } = activities);
});

after(async () => {
  mailer?.close();
  await procs.stopAll();
  await slack?.close();
  await smtp?.close();
  await rm(stateDir, { recursive: true, force: true });
});

const withKey = (key: string) => (m: StoredMessage) => m.metadata?.event_payload.key === key;

async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await delay(50);
  }
}

describe('the sent ledger', () => {
  test('survives a new process, skips a torn line without losing the next event, and remembers an unsure attempt', async () => {
    const file = path.join(stateDir, 'ledger-test', LEDGER_FILE);
    const first = new FileSentLedger(file);
    await first.record('a', 'begin');
    await first.record('a', 'done', { ts: '1.000001' });
    await first.close();
    await appendFile(file, '{"at":"2026-01-01T00:00:00Z","key":"b","ev'); // a crash mid-append

    const second = new FileSentLedger(file); // a restarted worker
    assert.deepEqual((await second.get('a'))?.result, { ts: '1.000001' });
    assert.equal(await second.get('b'), undefined);
    await second.record('b', 'begin');
    assert.equal((await new FileSentLedger(file).get('b'))?.mayHaveSent, true, 'the event after the torn line is kept');
    assert.equal((await first.get('b'))?.attempts, 1, 'an older instance catches up with what others appended');

    await second.record('b', 'begin'); // the first attempt never finished: unsure from now on
    await second.record('b', 'failed'); // this one provably sent nothing, the earlier one may have
    assert.equal((await second.get('b'))?.mayHaveSent, true);
    await second.record('b', 'cleared'); // looked: nothing there
    assert.equal((await second.get('b'))?.mayHaveSent, false);
    assert.equal((await second.get('b'))?.firstBeganAt !== null, true);
    await second.close();
  });
});

describe('the Slack stand-in', () => {
  test('checks the token and answers with ok/error bodies and increasing ts, as Slack does', async () => {
    const good = new WebClient(TOKEN, { slackApiUrl: slack.url, retryConfig: { retries: 0 } });
    assert.equal((await good.auth.test()).ok, true);
    const wrong = new WebClient('xoxb-wrong', { slackApiUrl: slack.url, retryConfig: { retries: 0 } });
    await assert.rejects(wrong.auth.test(), (err: { data?: { error?: string } }) => err.data?.error === 'invalid_auth');
    const none = await fetch(`${slack.url}auth.test`, { method: 'POST' });
    assert.equal(none.status, 200);
    assert.deepEqual(await none.json(), { ok: false, error: 'not_authed' });
    await assert.rejects(good.chat.postMessage({ channel: '#nowhere', text: 'x' }), (err: { data?: { error?: string } }) => err.data?.error === 'channel_not_found');

    // a JSON body, as Slack also accepts
    const json = await fetch(`${slack.url}chat.postMessage`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ channel: INCIDENTS, text: 'json body' }),
    });
    const first = (await json.json()) as { ok: boolean; channel: string; ts: string };
    assert.equal(first.ok, true);
    assert.equal(first.channel, INCIDENTS);
    const second = await good.chat.postMessage({ channel: '#incidents', text: 'form body' });
    assert.match(second.ts!, /^\d{10}\.\d{6}$/);
    assert.ok(Number(second.ts) > Number(first.ts), `${second.ts} should follow ${first.ts}`);
  });

  test('runs as a process and prints its port and url', async () => {
    const proc = procs.spawn(process.execPath, nodeArgsForTs(path.resolve(__dirname, '../local/standins/slackServer.ts'), ['--port', '0', '--token', TOKEN]), {
      name: 'slack-standin',
    });
    const [line] = await proc.waitForOutput(/\{"port":\d+,"url":"[^"]+"\}/, 15_000);
    const { url } = JSON.parse(line) as { url: string };
    const client = new WebClient(TOKEN, { slackApiUrl: url, retryConfig: { retries: 0 } });
    assert.equal((await client.auth.test()).ok, true);
    const control = new URL('/_test/', url);
    const limit = await fetch(new URL('rate-limit', control), { method: 'POST', body: JSON.stringify({ calls: 1, retryAfterSeconds: 7 }) });
    assert.equal(limit.status, 200);
    const limited = await fetch(`${url}chat.postMessage`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` }, body: 'channel=%23incidents&text=hi' });
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('retry-after'), '7');
    await client.chat.postMessage({ channel: '#incidents', text: 'after the limit' });
    const kept = (await (await fetch(new URL('messages', control))).json()) as StoredMessage[];
    assert.deepEqual(kept.map((m) => m.text), ['after the limit']);
    await proc.stop();
  });

  test('the SMTP stand-in runs as a process, keeps mails in its store file, and restarts on its port', async () => {
    const store = path.join(stateDir, 'standin-mails.jsonl');
    const args = (port: string) => nodeArgsForTs(path.resolve(__dirname, '../local/standins/smtpServer.ts'), ['--port', port, '--store', store]);
    const proc = procs.spawn(process.execPath, args('0'), { name: 'smtp-standin' });
    const [line] = await proc.waitForOutput(/\{"port":\d+,"url":"smtp:[^"]+"\}/, 15_000);
    const { port, url } = JSON.parse(line) as { port: number; url: string };
    const standinMail = new MailTransport({ smtpUrl: url, from: 'rampart@test.local' });
    const { sendEmail } = notifyWith({ mail: standinMail });
    try {
      await sendEmail(mail(`inc-${randomUUID()}`, 'opened'));
      await proc.stop();
      const again = procs.spawn(process.execPath, args(String(port)), { name: 'smtp-standin-2' });
      await again.waitForOutput(new RegExp(`"port":${port}`), 15_000);
      await sendEmail(mail(`inc-${randomUUID()}`, 'opened'));
      await again.stop();
    } finally {
      standinMail.close();
    }
    const lines = (await readFile(store, 'utf8')).split('\n').filter(Boolean);
    assert.equal(lines.length, 2);
    assert.match((JSON.parse(lines[1]!) as { raw: string }).raw, /Message-ID: <inc-/i);
  });
});

describe('postSlackMessage and updateSlackMessage', () => {
  test('the same key twice posts once; updates edit in place', async () => {
    const key = `inc-${randomUUID()}/slack/header`;
    const input = { key, metadataKey: key, channel: '#incidents', text: 'SEV2 checkout errors', blocks: incidentBlocks(notice()) };
    const first = await postSlackMessage(input);
    const again = await postSlackMessage(input);
    assert.deepEqual(again, first);
    assert.equal(first.channel, INCIDENTS);
    const [posted, ...more] = slack.messages().filter(withKey(key));
    assert.equal(more.length, 0);
    assert.equal(posted!.text, 'SEV2 checkout errors');
    assert.deepEqual(posted!.metadata, { event_type: 'rampart_notice', event_payload: { key } });

    const replyKey = `${key}/page-1`;
    const reply = await postSlackMessage({ key: replyKey, channel: first.channel, threadTs: first.ts, text: 'Paging tier 1' });
    assert.deepEqual(await postSlackMessage({ key: replyKey, channel: first.channel, threadTs: first.ts, text: 'Paging tier 1' }), reply);
    assert.equal(slack.messages().filter((m) => m.thread_ts === first.ts).length, 1);

    const acked = incidentBlocks(notice({ state: 'acknowledged', acknowledged: { by: 'alice', at: '2026-01-01T10:05:00Z' } }));
    for (let i = 0; i < 2; i++) await updateSlackMessage({ key: `${key}/event-1`, channel: first.channel, ts: first.ts, text: 'acknowledged', blocks: acked });
    const updated = slack.messages().find((m) => m.ts === first.ts)!;
    assert.equal(updated.text, 'acknowledged');
    assert.equal(JSON.stringify(updated.blocks).includes('rampart_ack'), false);
  });

  test('calls for one key at the same time post once', async () => {
    const key = `inc-${randomUUID()}/concurrent`;
    const results = await Promise.all(Array.from({ length: 5 }, () => postSlackMessage({ key, channel: INCIDENTS, text: 'once' })));
    assert.equal(new Set(results.map((r) => r.ts)).size, 1);
    assert.equal(slack.messages().filter(withKey(key)).length, 1);
  });

  test('a worker killed after Slack accepted the post does not post it twice', async () => {
    const crashState = path.join(stateDir, 'crash-state');
    const root = `inc-${randomUUID()}/slack/header`;
    const cases = [
      { key: root, channel: '#incidents', text: 'header' }, // a channel name: found again through conversations.list + history
    ];
    let thread: { channel: string; ts: string } | undefined;
    for (const phase of ['header', 'reply'] as const) {
      const input = phase === 'header' ? cases[0]! : { key: `${root}/page-1`, channel: thread!.channel, threadTs: thread!.ts, text: 'Paging tier 1' };
      slack.holdNext(1); // Slack posts it, the answer never comes
      const child = procs.spawn(process.execPath, nodeArgsForTs(path.resolve(__dirname, 'fixtures/notify/postInChild.ts'), [JSON.stringify(input)]), {
        name: `post-${phase}`,
        env: { ...process.env, RAMPART_STATE_DIR: crashState },
      });
      const posted = await waitFor(`the ${phase} to reach Slack`, () => slack.messages().find(withKey(input.key)));
      await child.stop(0); // SIGKILL at once: the worker dies mid-send
      const ledger = (await readFile(path.join(crashState, LEDGER_FILE), 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as { key: string; event: string });
      assert.deepEqual(ledger.filter((l) => l.key === `slack:${input.key}`).map((l) => l.event), ['begin'], 'begun, never done');

      const postsBefore = slack.calls().filter((c) => c.method === 'chat.postMessage').length;
      {
        const result = await notifyWith({ stateDir: crashState }).postSlackMessage(input); // the retry, on a fresh worker
        assert.deepEqual(result, { channel: INCIDENTS, ts: posted.ts });
        thread = result;
      }
      assert.equal(slack.calls().filter((c) => c.method === 'chat.postMessage').length, postsBefore, 'no second chat.postMessage');
      assert.equal(slack.messages().filter(withKey(input.key)).length, 1);
      const entry = await fileLedgerIn(crashState).get(`slack:${input.key}`);
      assert.equal(entry?.state, 'done');
    }
    const lookups = slack.calls().map((c) => c.method);
    assert.ok(lookups.includes('conversations.history') && lookups.includes('conversations.replies'));
  });

  test('a 429 storm: SlackRateLimited with nextRetryDelay = Retry-After each time, then one post', async () => {
    const key = `inc-${randomUUID()}/storm`;
    slack.rateLimitNext(3, 1);
    for (let i = 0; i < 3; i++) {
      const failure = await failureOf(() => postSlackMessage({ key, channel: INCIDENTS, text: 'storm' }));
      assert.equal(failure.type, 'SlackRateLimited');
      assert.equal(failure.nonRetryable, false);
      assert.equal(failure.nextRetryDelay, '1s');
    }
    await postSlackMessage({ key, channel: INCIDENTS, text: 'storm' });
    assert.equal(slack.messages().filter(withKey(key)).length, 1);
  });

  test('a wrong or missing token and an unknown channel are final; a 500 is retried', async () => {
    {
      const { postSlackMessage } = notifyWith({ slack: { token: 'xoxb-not-the-right-one', apiUrl: slack.url } });
      const failure = await failureOf(() => postSlackMessage({ key: `k-${randomUUID()}`, channel: INCIDENTS, text: 'x' }));
      assert.equal(failure.type, 'invalid_auth');
      assert.equal(failure.nonRetryable, true);
    }
    {
      const { postSlackMessage } = notifyWith({ slack: { apiUrl: slack.url } });
      const missing = await failureOf(() => postSlackMessage({ key: `k-${randomUUID()}`, channel: INCIDENTS, text: 'x' }));
      assert.equal(missing.type, 'ConfigurationError');
      assert.equal(missing.nonRetryable, true);
      assert.match(missing.message, /SLACK_BOT_TOKEN/);
    }
    const unknown = await failureOf(() => postSlackMessage({ key: `k-${randomUUID()}`, channel: '#no-such-channel', text: 'x' }));
    assert.equal(unknown.type, 'channel_not_found');
    assert.equal(unknown.nonRetryable, true);
    const bad = await failureOf(() => postSlackMessage({ key: '', channel: INCIDENTS, text: 'x' }));
    assert.equal(bad.type, 'InvalidInput');

    const key = `k-${randomUUID()}`;
    slack.failNext(1);
    const down = await failureOf(() => postSlackMessage({ key, channel: INCIDENTS, text: 'after a 500' }));
    assert.equal(down.type, 'SlackUnavailable');
    assert.equal(down.nonRetryable, false);
    await postSlackMessage({ key, channel: INCIDENTS, text: 'after a 500' });
    assert.equal(slack.messages().filter(withKey(key)).length, 1);
  });
});

describe('incidentBlocks', () => {
  test('header, key facts, context, and an Acknowledge button only while unacknowledged', () => {
    const open = incidentBlocks(notice());
    assert.deepEqual(open.map((b) => b.type), ['header', 'section', 'context', 'actions']);
    const fields = JSON.stringify(open[1]);
    for (const fact of ['SEV2', 'open', 'r-42', 'primary', '2026-01-01T10:00:00Z']) assert.ok(fields.includes(fact), `missing ${fact}`);
    const actions = open[3] as unknown as { elements: { action_id: string; value: string }[] };
    assert.deepEqual(
      actions.elements.map((e) => [e.action_id, e.value]),
      [['rampart_ack', 'inc-7']],
    );
    const acked = incidentBlocks(notice({ state: 'acknowledged', acknowledged: { by: 'alice', at: '2026-01-01T10:05:00Z' } }));
    assert.deepEqual(acked.map((b) => b.type), ['header', 'section', 'context']);
    assert.match(JSON.stringify(incidentBlocks(notice({ summary: '<script> & more' }))), /&lt;script&gt; &amp; more|<script> & more/);
  });
});

describe('sendEmail', () => {
  test('the same key twice mails once, with the threading headers', async () => {
    const incident = `inc-${randomUUID()}`;
    const root = `<${incident}.opened@rampart>`;
    const opened = mail(incident, 'opened', { messageId: root, subject: '[SEV2] checkout errors' });
    assert.deepEqual(await sendEmail(opened), { messageId: root, accepted: ['oncall@example.com'], rejected: [] });
    await sendEmail(opened);
    const page = mail(incident, 'page-1', { messageId: `<${incident}.page-1@rampart>`, subject: 'Re: [SEV2] checkout errors', inReplyTo: root, references: [root] });
    await sendEmail(page);
    await sendEmail(page);
    const received = smtp.messages().filter((m) => m.headers.messageId?.includes(incident));
    assert.equal(received.length, 2);
    assert.deepEqual(received.map((m) => m.headers.messageId), [root, `<${incident}.page-1@rampart>`]);
    assert.equal(received[1]!.headers.inReplyTo, root);
    assert.deepEqual(received[1]!.headers.references, [root]);
    assert.equal(received[1]!.headers.subject, 'Re: [SEV2] checkout errors');
    assert.deepEqual(received[0]!.envelope, { from: 'rampart@test.local', to: ['oncall@example.com'] });
  });

  test('SMTP down: the send fails retryably, and lands once when the server is back on the same port', async () => {
    const incident = `inc-${randomUUID()}`;
    const input = mail(incident, 'opened');
    const port = smtp.port;
    await smtp.stop();
    try {
      const failure = await failureOf(() => sendEmail(input));
      assert.equal(failure.type, 'EmailUnavailable');
      assert.equal(failure.nonRetryable, false);
      assert.ok(!failure.message.includes('smtp://'), failure.message);
    } finally {
      await smtp.start();
    }
    assert.equal(smtp.port, port);
    await sendEmail(input);
    await sendEmail(input);
    assert.equal(smtp.messages().filter((m) => m.headers.messageId === input.messageId).length, 1);
  });

  test('a recipient refused for good is final; a wrong SMTP password is final and never shown', async () => {
    const refused = await failureOf(() => sendEmail({ ...mail(`inc-${randomUUID()}`, 'opened'), to: [BOUNCE] }));
    assert.equal(refused.type, 'EmailRejected');
    assert.equal(refused.nonRetryable, true);

    const password = `pw-${randomBytes(8).toString('hex')}`;
    const authed = await startSmtpServer({ auth: { user: 'rampart', pass: password } });
    const wrongMail = new MailTransport({ smtpUrl: `smtp://rampart:wrong-${password}@127.0.0.1:${authed.port}`, from: 'rampart@test.local' });
    const rightMail = new MailTransport({ smtpUrl: `smtp://rampart:${password}@127.0.0.1:${authed.port}`, from: 'rampart@test.local' });
    try {
      const failure = await failureOf(() => notifyWith({ mail: wrongMail }).sendEmail(mail(`inc-${randomUUID()}`, 'opened')));
      assert.equal(failure.nonRetryable, true);
      assert.ok(!failure.message.includes(password), failure.message);
      const input = mail(`inc-${randomUUID()}`, 'opened');
      await notifyWith({ mail: rightMail }).sendEmail(input);
      assert.equal(authed.messages()[0]?.authUser, 'rampart');
    } finally {
      wrongMail.close();
      rightMail.close();
      await authed.close();
    }
  });
});

describe('through a Temporal worker', () => {
  let env: TestWorkflowEnvironment;
  let workflowBundle: WorkflowBundleWithSourceMap;
  before(async () => {
    env = await createDevEnv();
    workflowBundle = await bundleWorkflows(require.resolve('./fixtures/notify/workflows'));
  });
  after(async () => {
    await env?.teardown();
  });

  async function runWorker<T>(run: (taskQueue: string) => Promise<T>): Promise<T> {
    const taskQueue = uniqueTaskQueue('notify');
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle, activities });
    return worker.runUntil(run(taskQueue));
  }

  test('a 429 storm ends with exactly one message, each retry after the Retry-After Slack gave', async () => {
    const key = `inc-${randomUUID()}/storm`;
    const from = slack.calls().length;
    slack.rateLimitNext(3, 1);
    const result = await runWorker((taskQueue) =>
      env.client.workflow.execute(postSlackOnce, { taskQueue, workflowId: `storm-${taskQueue}`, args: [{ key, metadataKey: key, channel: INCIDENTS, text: 'storm' }] }),
    );
    const calls = slack.calls().slice(from).filter((c) => c.method === 'chat.postMessage');
    assert.deepEqual(calls.map((c) => c.status), [429, 429, 429, 200]);
    for (let i = 1; i < calls.length; i++) {
      const gap = calls[i]!.at - calls[i - 1]!.at;
      assert.ok(gap >= 900, `attempt ${i + 1} came ${gap} ms after the 429; Slack asked for 1 s (the policy's own interval is 200 ms)`);
    }
    const posted = slack.messages().filter(withKey(key));
    assert.equal(posted.length, 1);
    assert.equal(posted[0]!.ts, result.ts);
  });

  test('SMTP down for a while: Temporal retries until the mail lands once, threaded', async () => {
    const incident = `inc-${randomUUID()}`;
    const root = `<${incident}.opened@rampart>`;
    const input = mail(incident, 'page-1', { messageId: `<${incident}.page-1@rampart>`, inReplyTo: root, references: [root], subject: 'Re: [SEV1] down' });
    await smtp.stop();
    let restarted = false;
    try {
      await runWorker(async (taskQueue) => {
        const handle = await env.client.workflow.start(sendEmailOnce, { taskQueue, workflowId: `smtp-${taskQueue}`, args: [input] });
        await waitFor('three failed attempts', async () => {
          const pending = (await handle.describe()).raw.pendingActivities?.[0];
          return (pending?.attempt ?? 0) >= 3 ? true : undefined;
        });
        await smtp.start();
        restarted = true;
        return handle.result();
      });
    } finally {
      if (!restarted) await smtp.start();
    }
    const received = smtp.messages().filter((m) => m.headers.messageId === input.messageId);
    assert.equal(received.length, 1);
    assert.equal(received[0]!.headers.inReplyTo, root);
    assert.deepEqual(received[0]!.headers.references, [root]);
  });
});

describe('Slack request signatures', () => {
  const signingSecret = randomBytes(16).toString('hex');
  const body = blockActionsBody({ actionId: 'rampart_ack', value: 'inc-7', userId: 'U0ALICE', userName: 'alice', channel: INCIDENTS, messageTs: '1700000000.000100' });

  test('a good signature passes; a bad one and a stale timestamp do not', () => {
    const now = Math.floor(Date.now() / 1000);
    const signed = signSlackRequest({ signingSecret, body, timestampSeconds: now });
    assert.deepEqual(verifySlackSignature({ signingSecret, timestamp: signed.timestamp, body, signature: signed.signature, nowSeconds: now }), { ok: true });
    assert.match(signed.signature, /^v0=[0-9a-f]{64}$/);

    const tampered = body.replace('inc-7', 'inc-8');
    assert.equal(verifySlackSignature({ signingSecret, timestamp: signed.timestamp, body: tampered, signature: signed.signature, nowSeconds: now }).ok, false);
    const otherSecret = signSlackRequest({ signingSecret: 'not-the-secret', body, timestampSeconds: now });
    assert.equal(verifySlackSignature({ signingSecret, timestamp: otherSecret.timestamp, body, signature: otherSecret.signature, nowSeconds: now }).ok, false);
    assert.equal(verifySlackSignature({ signingSecret, timestamp: signed.timestamp, body, signature: undefined, nowSeconds: now }).ok, false);

    const stale = signSlackRequest({ signingSecret, body, timestampSeconds: now - 301 });
    const check = verifySlackSignature({ signingSecret, timestamp: stale.timestamp, body, signature: stale.signature, nowSeconds: now });
    assert.deepEqual(check, { ok: false, reason: 'X-Slack-Request-Timestamp is more than 5 minutes from now' });
    const payload = JSON.parse(new URLSearchParams(body).get('payload')!) as { type: string; actions: { action_id: string; value: string }[] };
    assert.equal(payload.type, 'block_actions');
    assert.deepEqual([payload.actions[0]!.action_id, payload.actions[0]!.value], ['rampart_ack', 'inc-7']);
  });
});

function notice(overrides: Partial<IncidentNotice> = {}): IncidentNotice {
  return {
    incidentId: 'inc-7',
    severity: 'sev2',
    summary: 'checkout errors above 2%',
    state: 'open',
    rolloutId: 'r-42',
    tier: { name: 'primary', roster: ['alice', 'bob'] },
    openedAt: '2026-01-01T10:00:00Z',
    openedBy: 'breaker',
    source: 'breaker',
    acknowledged: null,
    ...overrides,
  };
}

function mail(incident: string, step: string, overrides: Partial<SendEmailInput> = {}): SendEmailInput {
  return {
    key: `${incident}/email/${step}`,
    to: ['oncall@example.com'],
    subject: `[SEV2] ${incident}`,
    text: `Incident ${incident}: ${step}`,
    html: `<p>Incident ${incident}: ${step}</p>`,
    messageId: `<${incident}.${step}@rampart>`,
    ...overrides,
  };
}
