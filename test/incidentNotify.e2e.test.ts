import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startHookServer, webhookSignatureHeaders, type HookServer } from '../client/hooks/hookServer';
import { blockActionsBody, signSlackRequest } from '../local/standins/slackSignature';
import { startSlackServer, type SlackStandin } from '../local/standins/slackServer';
import { startSmtpServer, type SmtpStandin } from '../local/standins/smtpServer';
import { escalationPoliciesSchema } from '../domain/incident';
import type { IncidentStatus } from '../domain/incidentStatus';
import { nodeArgsForTs } from '../local/process/tsxCommand';
import { ProcessGroup } from '../local/process/processes';
import { IncidentClient } from '../client/incidentClient';
import { RolloutHarness } from './helpers/rolloutHarness';
import { devServerAddress, uniqueTaskQueue } from './helpers/temporal';

const TOKEN = 'xoxb-rampart-test-token';
const WEBHOOK_SECRET = 'webhook-secret-for-tests-0123';
const SIGNING_SECRET = 'slack-signing-secret-for-tests';

const raw = {
  policies: [{
    name: 'critical',
    severities: ['sev1', 'sev2'],
    tiers: [
      { name: 'on-call', ackDeadline: '3s', people: [{ name: 'olga', email: 'olga@example.com', slack: 'U0OLGA' }], channels: [{ slack: '#incidents' }] },
      { name: 'senior', ackDeadline: '1h', people: [{ name: 'sam', email: 'sam@example.com', slack: 'U0SAM' }] },
    ],
  }],
};
const policies = { raw, value: escalationPoliciesSchema.parse(raw) };

describe('incident paging over real Slack-like and SMTP servers (dev server)', () => {
  const h = new RolloutHarness();
  const processes = new ProcessGroup();
  let slack: SlackStandin;
  let smtp: SmtpStandin;
  let hooks: HookServer;
  const hookLog: string[] = [];

  before(async () => {
    slack = await startSlackServer({ tokens: [TOKEN] });
    smtp = await startSmtpServer({});
    // The in-process worker reads these when it sends; secrets never enter workflow arguments.
    Object.assign(process.env, { SLACK_BOT_TOKEN: TOKEN, SLACK_API_URL: slack.url, SMTP_URL: smtp.url, MAIL_FROM: 'rampart@example.com' });
    await h.start({ size: 0 });
    hooks = await startHookServer({
      secret: WEBHOOK_SECRET,
      onAlert: (event) => h.incidents.openOrJoin(policies, event, event.source),
      slackActions: {
        signingSecret: SIGNING_SECRET,
        onAck: (incidentId, user) => h.incidents.ack(incidentId, { by: user }),
      },
      log: (line) => hookLog.push(line),
    });
  });
  after(async () => {
    await hooks?.close();
    await processes.stopAll();
    await h.stop();
    await slack?.close();
    await smtp?.close();
  });

  const incident = (id: string) => h.client.workflow.getHandle(id);
  const waitFor = async (id: string, done: (s: IncidentStatus) => boolean, timeoutMs = 30_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const s = await h.incidents.status(id);
      if (done(s)) return s;
      if (Date.now() > deadline) throw new Error(`timed out: ${s.state} ${s.tier?.name} ${JSON.stringify(s.timeline.slice(-3))}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  test('one Slack thread and one mail thread: escalation, a Slack button ack, resolution', async () => {
    const { incidentId } = await h.incidents.openOrJoin(policies, { source: 'manual', severity: 'sev2', summary: 'checkout errors', dedupKey: 'checkout-1' }, 'alice');
    await waitFor(incidentId, (s) => s.tier?.name === 'senior');
    const opened = await waitFor(incidentId, (s) => s.slackThread !== null);
    const thread = opened.slackThread!;
    // Sam clicks Acknowledge in Slack; the signed callback becomes the ack Update.
    const signed = signSlackRequest({ signingSecret: SIGNING_SECRET, body: blockActionsBody({ actionId: 'rampart_ack', value: incidentId, userId: 'U0SAM', userName: 'sam', channel: thread.channel, messageTs: thread.ts }) });
    const click = await fetch(`${hooks.url}/slack/actions`, { method: 'POST', headers: signed.headers, body: signed.body });
    assert.equal(click.status, 200);
    assert.match(((await click.json()) as { text: string }).text, /acknowledged/);
    const forged = await fetch(`${hooks.url}/slack/actions`, { method: 'POST', headers: { ...signed.headers, 'x-slack-signature': 'v0=00' }, body: signed.body });
    assert.equal(forged.status, 401);
    await h.incidents.resolve(incidentId, { by: 'sam', reason: 'rolled back' });
    const done = (await incident(incidentId).result()) as IncidentStatus;
    assert.equal(done.acknowledged?.by, 'sam');

    const mine = slack.messages().filter((m) => m.ts === thread.ts || m.thread_ts === thread.ts);
    assert.equal(mine.filter((m) => !m.thread_ts).length, 1, 'exactly one top-level message: the thread');
    const keys = mine.map((m) => m.metadata?.event_payload.key);
    assert.equal(new Set(keys).size, keys.length, 'no message posted twice');
    const replies = mine.filter((m) => m.thread_ts).map((m) => m.text);
    assert.match(replies[0] ?? '', /Paging on-call: <@U0OLGA>/);
    assert.match(replies[1] ?? '', /Paging senior: <@U0SAM>/);
    assert.ok(replies.some((t) => /Acknowledged by sam/.test(t)) && replies.some((t) => /Resolved by sam: rolled back/.test(t)));
    const header = mine.find((m) => !m.thread_ts)!;
    assert.ok(header.updates >= 2, 'the header was updated in place');
    assert.ok(!JSON.stringify(header.blocks).includes('rampart_ack'), 'no Acknowledge button once acknowledged');

    const mails = smtp.messages().filter((m) => (m.headers.messageId ?? '').includes(incidentId));
    const root = `<${incidentId}.opened@rampart>`;
    assert.equal(mails[0]?.headers.messageId, root);
    assert.deepEqual(mails[0]?.envelope.to, ['olga@example.com']);
    assert.ok(mails.slice(1).every((m) => m.headers.inReplyTo === root), 'every later mail replies to the first');
    assert.equal(new Set(mails.map((m) => m.headers.messageId)).size, mails.length, 'no mail sent twice');
    assert.ok(mails.some((m) => m.envelope.to.includes('sam@example.com')));
  });

  test('a worker killed mid-send: the incident carries on and nothing is posted or mailed twice', async () => {
    // A queue of its own: worker processes with the file ledger refuse to run where another worker
    // (the harness's, in this process) polled moments ago, and these two take turns on one ledger file.
    const taskQueue = uniqueTaskQueue('incident-kill');
    const incidents = new IncidentClient(h.client, taskQueue);
    const env = { ...process.env, TEMPORAL_ADDRESS: devServerAddress(), RAMPART_TASK_QUEUE: taskQueue };
    const spawnWorker = (name: string) => processes.spawn(process.execPath, nodeArgsForTs(path.resolve(__dirname, '../worker/main.ts')), { name, env });
    const first = spawnWorker('worker-a');
    await first.waitForOutput(/polling task queue/, 60_000);
    // Slack takes the next post but never answers: the worker dies with the send in flight.
    slack.holdNext(1);
    const { incidentId } = await incidents.openOrJoin(policies, { source: 'webhook', severity: 'sev1', summary: 'payments down', dedupKey: 'payments-1' }, 'monitoring');
    const deadline = Date.now() + 20_000;
    while (!slack.calls().some((c) => c.method === 'chat.postMessage' && JSON.stringify(c).includes(incidentId)) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    first.kill('SIGKILL');
    await first.exited;
    const second = spawnWorker('worker-b');
    await second.waitForOutput(/polling task queue/, 60_000);
    await waitFor(incidentId, (s) => s.slackThread !== null && s.tier?.name === 'senior', 60_000);
    await h.incidents.ack(incidentId, { by: 'sam' });
    await h.incidents.resolve(incidentId, { by: 'sam' });
    await incident(incidentId).result();
    const headers = slack.messages().filter((m) => !m.thread_ts && (m.metadata?.event_payload.key as string | undefined)?.startsWith(`${incidentId}/`));
    assert.equal(headers.length, 1, 'one Slack thread');
    const keys = slack.messages().map((m) => m.metadata?.event_payload.key).filter((k): k is string => typeof k === 'string' && k.startsWith(`${incidentId}/`));
    assert.equal(new Set(keys).size, keys.length, 'no Slack message twice');
    const ids = smtp.messages().map((m) => m.headers.messageId).filter((id) => id?.includes(incidentId));
    assert.equal(new Set(ids).size, ids.length, 'no mail twice');
    await second.stop();
  });

  test('Alertmanager notifications open an incident; the same group again joins it; a bad signature starts nothing', async () => {
    const payload = JSON.stringify({
      version: '4', status: 'firing', receiver: 'rampart', groupKey: '{}:{alertname="HighErrorRate"}', truncatedAlerts: 0,
      groupLabels: { alertname: 'HighErrorRate' }, commonLabels: { alertname: 'HighErrorRate' }, commonAnnotations: { summary: 'checkout error rate above 5%' },
      externalURL: 'http://127.0.0.1:9093',
      alerts: [{ status: 'firing', labels: { alertname: 'HighErrorRate', severity: 'critical' }, annotations: { summary: 'checkout error rate above 5%' },
        startsAt: '2026-11-23T10:00:00Z', endsAt: '0001-01-01T00:00:00Z', generatorURL: '', fingerprint: 'f00d' }],
    });
    const post = (auth: string) => fetch(`${hooks.url}/hooks/alertmanager`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: auth }, body: payload });
    const forged = await post('Bearer not-the-secret-at-all');
    assert.equal(forged.status, 401);
    const first = (await (await post('Bearer webhook-secret-for-tests-0123')).json()) as { incidents: { incidentId: string; opened: boolean }[] };
    const second = (await (await post('Bearer webhook-secret-for-tests-0123')).json()) as { incidents: { incidentId: string; opened: boolean }[] };
    assert.equal(first.incidents[0]?.opened, true);
    assert.deepEqual(second.incidents[0], { incidentId: first.incidents[0]?.incidentId, opened: false });
    const id = first.incidents[0]!.incidentId;
    const s = await waitFor(id, (x) => x.duplicateAlerts === 1);
    assert.equal(s.source, 'alertmanager');
    assert.equal(s.severity, 'sev1');
    await h.incidents.resolve(id, { by: 'olga' });
    await incident(id).result();
  });

  const messagesOf = (incidentId: string) => slack.messages().filter((m) => (m.metadata?.event_payload.key as string | undefined)?.startsWith(`${incidentId}/`));

  test('a captured signed alert replayed after the incident was resolved is refused: nothing reopens, nobody is paged', async () => {
    const body = JSON.stringify({ severity: 'sev1', summary: 'payments errors above 5%', dedupKey: 'replay-after-resolve' });
    const headers = { 'content-type': 'application/json', ...webhookSignatureHeaders(WEBHOOK_SECRET, body) };
    const send = () => fetch(`${hooks.url}/hooks/generic`, { method: 'POST', headers, body });
    const first = await send();
    assert.equal(first.status, 202);
    const { incidents: [opened] } = (await first.json()) as { incidents: { incidentId: string; opened: boolean }[] };
    assert.equal(opened?.opened, true);
    const id = opened!.incidentId;
    await waitFor(id, (s) => s.slackThread !== null);
    await h.incidents.resolve(id, { by: 'olga', reason: 'fixed' });
    await incident(id).result();
    const { runId } = await incident(id).describe();
    const postedBefore = messagesOf(id).length;
    const mailedBefore = smtp.messages().filter((m) => (m.headers.messageId ?? '').includes(id)).length;

    // Someone who captured that request sends it again.
    const replay = await send();
    assert.equal(replay.status, 409);
    assert.deepEqual(await replay.json(), { error: 'replayed request', reason: 'this X-Rampart-Signature was already accepted; sign every request afresh with the current X-Rampart-Timestamp' });
    await new Promise((r) => setTimeout(r, 1000));
    const latest = await incident(id).describe();
    assert.equal(latest.runId, runId, 'no new incident run was started');
    assert.equal(latest.status.name, 'COMPLETED');
    assert.equal((await h.incidents.status(id)).state, 'resolved');
    assert.equal(messagesOf(id).length, postedBefore, 'nothing new posted to Slack');
    assert.equal(smtp.messages().filter((m) => (m.headers.messageId ?? '').includes(id)).length, mailedBefore, 'nobody mailed');
  });

  test("Slack's ephemeral answers are short sentences: no roster, no workflow id, no error class; the detail is logged", async () => {
    const { incidentId } = await h.incidents.openOrJoin(policies, { source: 'manual', severity: 'sev2', summary: 'search is slow', dedupKey: 'slack-answers-1' }, 'alice');
    const { slackThread: thread } = await waitFor(incidentId, (s) => s.slackThread !== null);
    const click = async (value: string, userId: string) => {
      const signed = signSlackRequest({ signingSecret: SIGNING_SECRET, body: blockActionsBody({ actionId: 'rampart_ack', value, userId, userName: userId, channel: thread!.channel, messageTs: thread!.ts }) });
      const res = await fetch(`${hooks.url}/slack/actions`, { method: 'POST', headers: signed.headers, body: signed.body });
      return { status: res.status, body: (await res.json()) as { response_type?: string; text: string }, signed };
    };
    const answers: string[] = [];
    const stranger = await click(incidentId, 'U0MALLORY');
    assert.equal(stranger.status, 200);
    assert.deepEqual(stranger.body, { response_type: 'ephemeral', text: 'Not acknowledged: you are not on the escalation tier being paged for this incident.' });
    answers.push(stranger.body.text);
    // The same signed click again is refused as a repeat.
    const again = await fetch(`${hooks.url}/slack/actions`, { method: 'POST', headers: stranger.signed.headers, body: stranger.signed.body });
    assert.equal(again.status, 409);

    const unknown = await click('inc-no-such-incident', 'U0OLGA');
    assert.equal(unknown.body.text, 'Not acknowledged: this incident no longer exists.');
    answers.push(unknown.body.text);

    await h.incidents.resolve(incidentId, { by: 'olga' });
    const late = await click(incidentId, 'U0OLGA');
    assert.equal(late.body.text, 'Not acknowledged: this incident has already been resolved.');
    answers.push(late.body.text);
    for (const text of answers) {
      for (const secret of ['olga', 'sam', 'roster', incidentId, 'inc-no-such', 'Error', 'Workflow', 'rejected']) assert.ok(!text.includes(secret), `"${text}" shows ${secret}`);
    }
    // The operator still has the detail.
    assert.ok(hookLog.some((l) => l.includes(`slack ack of ${incidentId} by U0MALLORY not taken: RejectedError`) && l.includes('roster')), hookLog.join('\n'));
    assert.ok(hookLog.some((l) => /slack ack of inc-no-such-incident by U0OLGA not taken: NotFoundError/.test(l)));
    await incident(incidentId).result();
  });
});
