/**
 * The alert webhooks over real HTTP: Alertmanager notifications (signed and bearer) and the generic
 * format become AlertEvents; bad credentials, stale or replayed signatures, bad bodies, oversized
 * bodies and wrong routes are refused before anything reaches onAlert. The last test runs the server as its own process.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import http from 'node:http';
import { resolve } from 'node:path';
import { after, before, beforeEach, test } from 'node:test';
import { nodeArgsForTs } from '../local/process/tsxCommand';
import { startHookServer, webhookSignatureHeaders, type AlertEvent, type HookServer } from '../client/hooks/hookServer';
import { ProcessGroup } from '../local/process/processes';
import { ReplayGuard } from '../client/hooks/replayGuard';

const SECRET = 'test-webhook-secret-0123456789';
let server: HookServer;
let grouped: HookServer;
const received: AlertEvent[] = [];
const procs = new ProcessGroup();

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: any;
}

function post(url: string, body: string | Buffer, headers: Record<string, string> = {}, method = 'POST'): Promise<Reply> {
  return new Promise((ok, fail) => {
    const req = http.request(url, { method, headers: { 'content-type': 'application/json', ...headers }, agent: false, timeout: 10_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => ok({ status: res.statusCode ?? 0, headers: res.headers, body: text ? JSON.parse(text) : undefined }));
    });
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', fail);
    req.end(body);
  });
}

/** Signed as a sender must: X-Rampart-Timestamp and the HMAC of "<timestamp>.<body>", at `ageSeconds` ago. */
const signed = (body: string, secret = SECRET, ageSeconds = 0) => webhookSignatureHeaders(secret, body, Math.floor(Date.now() / 1000) - ageSeconds);

function alertmanagerPayload(overrides: Record<string, unknown> = {}) {
  return {
    receiver: 'rampart',
    status: 'firing',
    alerts: [
      {
        status: 'firing',
        labels: { alertname: 'HighErrorRate', severity: 'critical', service: 'checkout', rollout_id: 'r-42' },
        annotations: { summary: 'checkout error rate above 5%', runbook_url: 'https://runbooks.example/err' },
        startsAt: '2025-03-01T10:00:00.123456789Z',
        endsAt: '0001-01-01T00:00:00Z',
        generatorURL: 'http://prometheus:9090/graph?g0.expr=x',
        fingerprint: 'a1b2c3d4e5f60718',
      },
      {
        status: 'firing',
        labels: { alertname: 'HighErrorRate', severity: 'warning', service: 'checkout', instance: 't-02' },
        annotations: { summary: 'checkout error rate above 5%' },
        startsAt: '2025-03-01T10:00:05Z',
        endsAt: '0001-01-01T00:00:00Z',
        generatorURL: '',
        fingerprint: '0f0e0d0c0b0a0908',
      },
    ],
    groupLabels: { alertname: 'HighErrorRate' },
    commonLabels: { alertname: 'HighErrorRate', service: 'checkout' },
    commonAnnotations: { summary: 'checkout error rate above 5%' },
    externalURL: 'http://alertmanager:9093',
    version: '4',
    groupKey: '{}:{alertname="HighErrorRate"}',
    truncatedAlerts: 0,
    // Fields a newer Alertmanager might add must not break the receiver.
    someFutureField: { nested: true },
    ...overrides,
  };
}

before(async () => {
  const onAlert = async (event: AlertEvent) => {
    received.push(event);
    return { incidentId: `inc-${received.length}`, dedupKey: event.dedupKey };
  };
  server = await startHookServer({ secret: SECRET, onAlert });
  grouped = await startHookServer({ secret: SECRET, onAlert, alertmanagerGrouping: 'alert' });
});

after(async () => {
  await Promise.allSettled([server?.close(), grouped?.close()]);
  await procs.stopAll();
});

beforeEach(() => {
  received.length = 0;
});

test('a signed Alertmanager notification becomes one normalised event for the group', async () => {
  const body = JSON.stringify(alertmanagerPayload());
  const reply = await post(`${server.url}/hooks/alertmanager`, body, signed(body));
  assert.equal(reply.status, 202, JSON.stringify(reply.body));
  assert.deepEqual(reply.body, { accepted: 1, incidents: [{ incidentId: 'inc-1', dedupKey: 'alertmanager:{}:{alertname="HighErrorRate"}' }] });
  assert.equal(received.length, 1);
  const event = received[0]!;
  assert.deepEqual(
    { source: event.source, severity: event.severity, summary: event.summary, dedupKey: event.dedupKey, rolloutId: event.rolloutId, status: event.status },
    {
      source: 'alertmanager',
      severity: 'sev1', // the worst firing alert: critical
      summary: 'checkout error rate above 5% (2 alerts)',
      dedupKey: 'alertmanager:{}:{alertname="HighErrorRate"}',
      rolloutId: 'r-42',
      status: 'firing',
    },
  );
  assert.equal(event.details['label.service'], 'checkout');
  assert.equal(event.details.fingerprints, 'a1b2c3d4e5f60718,0f0e0d0c0b0a0908');
  assert.equal(event.details.receiver, 'rampart');
});

test('Alertmanager with a bearer token (it cannot sign) is accepted, and resolved groups resolve', async () => {
  const payload = alertmanagerPayload({ status: 'resolved' });
  for (const alert of payload.alerts as { status: string; endsAt: string }[]) {
    alert.status = 'resolved';
    alert.endsAt = '2025-03-01T10:30:00Z';
  }
  const reply = await post(`${server.url}/hooks/alertmanager`, JSON.stringify(payload), { authorization: `Bearer ${SECRET}` });
  assert.equal(reply.status, 202, JSON.stringify(reply.body));
  assert.equal(received.length, 1);
  assert.equal(received[0]!.status, 'resolved');
  assert.equal(received[0]!.dedupKey, 'alertmanager:{}:{alertname="HighErrorRate"}');
});

test('per-alert grouping: one event per alert, severity from its own label, dedupKey from its fingerprint', async () => {
  const body = JSON.stringify(alertmanagerPayload());
  const reply = await post(`${grouped.url}/hooks/alertmanager`, body, signed(body));
  assert.equal(reply.status, 202, JSON.stringify(reply.body));
  assert.equal(reply.body.accepted, 2);
  assert.deepEqual(received.map((e) => [e.severity, e.dedupKey, e.rolloutId]), [
    ['sev1', 'alertmanager:a1b2c3d4e5f60718', 'r-42'],
    ['sev3', 'alertmanager:0f0e0d0c0b0a0908', undefined],
  ]);
  assert.equal(received[1]!.details['label.instance'], 't-02');
});

test('a wrong signature, a wrong bearer token or none at all is 401 and nothing is started', async () => {
  const body = JSON.stringify(alertmanagerPayload());
  const attempts: Record<string, string>[] = [
    signed(body, 'another-secret-0123456789'),
    { ...signed(body), 'x-rampart-signature': 'sha256=00' },
    { authorization: 'Bearer not-the-secret' },
    {},
  ];
  for (const headers of attempts) {
    const reply = await post(`${server.url}/hooks/alertmanager`, body, headers);
    assert.equal(reply.status, 401, JSON.stringify(headers));
    assert.equal(reply.body.error, 'unauthorized');
    assert.ok(!JSON.stringify(reply.body).includes(SECRET));
  }
  // The generic endpoint wants a signature; the bearer token is for Alertmanager only.
  const generic = JSON.stringify({ severity: 'sev2', summary: 'disk full' });
  const bearer = await post(`${server.url}/hooks/generic`, generic, { authorization: `Bearer ${SECRET}` });
  assert.equal(bearer.status, 401);
  assert.match(bearer.body.reason, /X-Rampart-Signature/);
  assert.equal(received.length, 0);
});

test('a signed request is taken once: a replay is 409, a stale, future or body-only signature 401; none reaches onAlert', async () => {
  const body = JSON.stringify({ severity: 'sev1', summary: 'checkout down', dedupKey: 'replay-1' });
  const headers = signed(body);
  const first = await post(`${server.url}/hooks/generic`, body, headers);
  assert.equal(first.status, 202, JSON.stringify(first.body));
  assert.equal(received.length, 1);

  // The very same request again (a retry by a careless sender, or a captured one sent by someone else).
  const replay = await post(`${server.url}/hooks/generic`, body, headers);
  assert.equal(replay.status, 409);
  assert.deepEqual(replay.body, { error: 'replayed request', reason: 'this X-Rampart-Signature was already accepted; sign every request afresh with the current X-Rampart-Timestamp' });

  // Correctly signed, but long ago (2001), a little over 5 minutes ago, or 10 minutes ahead.
  const in2001 = webhookSignatureHeaders(SECRET, body, Date.parse('2001-09-09T01:46:40Z') / 1000);
  const old = await post(`${server.url}/hooks/generic`, body, in2001);
  assert.equal(old.status, 401);
  assert.match(old.body.reason, /^X-Rampart-Timestamp is \d+ s old; requests signed more than 300 s ago are refused$/);
  assert.equal((await post(`${server.url}/hooks/generic`, body, signed(body, SECRET, 302))).status, 401);
  const ahead = await post(`${server.url}/hooks/generic`, body, signed(body, SECRET, -600));
  assert.equal(ahead.status, 401);
  assert.match(ahead.body.reason, /is 600 s in the future; more than 300 s ahead of this server's clock is refused/);

  // The old scheme signed the body alone: refused, with or without a timestamp, and told why.
  const bodyOnly = `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`;
  for (const stale of [{ 'x-rampart-signature': bodyOnly } as Record<string, string>, { 'x-rampart-timestamp': headers['x-rampart-timestamp']!, 'x-rampart-signature': bodyOnly }]) {
    const refused = await post(`${server.url}/hooks/generic`, body, stale);
    assert.equal(refused.status, 401);
    assert.match(refused.body.reason, /signs the body alone, which can be replayed; sign "<X-Rampart-Timestamp>.<body>"/);
  }
  // The same body, freshly signed at another second, is a new request.
  const fresh = await post(`${server.url}/hooks/generic`, body, signed(body, SECRET, 2));
  assert.equal(fresh.status, 202, JSON.stringify(fresh.body));
  assert.equal(received.length, 2, 'only the two fresh requests reached onAlert');

  // Alertmanager's endpoint, signed, is protected the same way.
  const am = JSON.stringify(alertmanagerPayload());
  const amHeaders = signed(am, SECRET, 3);
  assert.equal((await post(`${server.url}/hooks/alertmanager`, am, amHeaders)).status, 202);
  assert.equal((await post(`${server.url}/hooks/alertmanager`, am, amHeaders)).status, 409);
  assert.equal(received.length, 3);
});

test('remembered signatures are bounded: past the cap a new signed request is 503 with Retry-After, and entries expire after the window', async () => {
  const small = await startHookServer({ secret: SECRET, onAlert: async () => ({}), maxRememberedSignatures: 2 });
  try {
    const send = (n: number) => {
      const body = JSON.stringify({ severity: 'sev4', summary: `note ${n}` });
      return post(`${small.url}/hooks/generic`, body, signed(body));
    };
    assert.equal((await send(1)).status, 202);
    assert.equal((await send(2)).status, 202);
    const full = await send(3);
    assert.equal(full.status, 503);
    assert.equal(full.headers['retry-after'], '30');
    assert.match(full.body.error, /too many signed requests/);
  } finally {
    await small.close();
  }
  // An entry lives until its timestamp leaves the window, then makes room (the timestamp check refuses it from then on).
  const guard = new ReplayGuard({ windowSeconds: 300, maxEntries: 1 });
  const t = 1_800_000_000;
  assert.equal(guard.claim('sig-a', t, t * 1000), 'fresh');
  assert.equal(guard.claim('sig-a', t, (t + 299) * 1000), 'replayed');
  assert.equal(guard.claim('sig-b', t, (t + 299) * 1000), 'busy');
  assert.equal(guard.claim('sig-b', t + 302, (t + 302) * 1000), 'fresh');
  assert.equal(guard.size, 1);
});

test('a malformed Alertmanager body is 400 naming every bad field', async () => {
  const payload = alertmanagerPayload({ version: '3' });
  (payload.alerts as Record<string, unknown>[])[0]!.status = 'burning';
  delete (payload.alerts as Record<string, unknown>[])[1]!.startsAt;
  const body = JSON.stringify(payload);
  const reply = await post(`${server.url}/hooks/alertmanager`, body, signed(body));
  assert.equal(reply.status, 400);
  const paths = (reply.body.issues as { path: string; message: string }[]).map((i) => i.path);
  assert.deepEqual(paths.sort(), ['alerts[0].status', 'alerts[1].startsAt', 'version']);
  const status = reply.body.issues.find((i: { path: string }) => i.path === 'alerts[0].status');
  assert.match(status.message, /firing.*resolved/);

  const notJson = '{"version": "4",';
  const broken = await post(`${server.url}/hooks/alertmanager`, notJson, signed(notJson));
  assert.equal(broken.status, 400);
  assert.equal(broken.body.error, 'the body is not JSON');

  const empty = JSON.stringify(alertmanagerPayload({ alerts: [] }));
  const none = await post(`${server.url}/hooks/alertmanager`, empty, signed(empty));
  assert.equal(none.status, 400);
  assert.equal(none.body.issues[0].path, 'alerts');
  assert.equal(received.length, 0);
});

test('the generic webhook: happy path, default dedupKey, and unknown keys rejected', async () => {
  const alert = { severity: 'sev2', summary: 'payments queue backing up', rolloutId: 'r-7', details: { queue: 'payments' } };
  const body = JSON.stringify(alert);
  const reply = await post(`${server.url}/hooks/generic`, body, signed(body));
  assert.equal(reply.status, 202, JSON.stringify(reply.body));
  assert.equal(reply.body.accepted, 1);
  assert.equal(received.length, 1);
  const event = received[0]!;
  assert.deepEqual({ ...event, dedupKey: undefined }, {
    source: 'webhook', severity: 'sev2', summary: 'payments queue backing up', rolloutId: 'r-7', details: { queue: 'payments' }, status: 'firing', dedupKey: undefined,
  });
  assert.match(event.dedupKey, /^webhook:sha256:[0-9a-f]{64}$/);

  // The same summary again (signed again, at another second) maps to the same key: it joins rather than opens.
  const again = await post(`${server.url}/hooks/generic`, body, signed(body, SECRET, 1));
  assert.equal(again.status, 202);
  assert.equal(received[1]!.dedupKey, event.dedupKey);

  const withKey = JSON.stringify({ severity: 'sev4', summary: 'fyi', dedupKey: 'cron-backup', status: 'resolved' });
  await post(`${server.url}/hooks/generic`, withKey, signed(withKey));
  assert.deepEqual([received[2]!.dedupKey, received[2]!.status, received[2]!.details], ['cron-backup', 'resolved', {}]);

  const unknown = JSON.stringify({ severity: 'sev1', summary: 'x', priority: 'high' });
  const rejected = await post(`${server.url}/hooks/generic`, unknown, signed(unknown));
  assert.equal(rejected.status, 400);
  assert.deepEqual(rejected.body.issues, [{ path: 'priority', message: 'unknown key' }]);

  const badSeverity = JSON.stringify({ severity: 'critical', summary: '' });
  const bad = await post(`${server.url}/hooks/generic`, badSeverity, signed(badSeverity));
  assert.equal(bad.status, 400);
  assert.deepEqual(bad.body.issues.map((i: { path: string }) => i.path).sort(), ['severity', 'summary']);
  assert.equal(received.length, 3);
});

test('oversized bodies are 413, wrong methods 405, unknown paths 404', async () => {
  const huge = Buffer.alloc(1024 * 1024 + 10, 'a');
  const tooBig = await post(`${server.url}/hooks/generic`, huge, signed(huge.toString()));
  assert.equal(tooBig.status, 413);
  const get = await post(`${server.url}/hooks/alertmanager`, '', {}, 'GET');
  assert.equal(get.status, 405);
  assert.equal(get.headers.allow, 'POST');
  const missing = await post(`${server.url}/hooks/nagios`, '{}', signed('{}'));
  assert.equal(missing.status, 404);
  assert.equal(received.length, 0);
});

test('onAlert failing is a 500, so Alertmanager retries', async () => {
  const failing = await startHookServer({ secret: SECRET, onAlert: async () => { throw new Error('Temporal unreachable'); } });
  try {
    const body = JSON.stringify({ severity: 'sev1', summary: 'down' });
    const headers = signed(body);
    const reply = await post(`${failing.url}/hooks/generic`, body, headers);
    assert.equal(reply.status, 500);
    assert.match(reply.body.detail, /Temporal unreachable/);
    // A failed request is not remembered: the sender may retry the very same request.
    assert.equal((await post(`${failing.url}/hooks/generic`, body, headers)).status, 500);
  } finally {
    await failing.close();
  }
});

test('as a process: secret from RAMPART_WEBHOOK_SECRET, events on stdout', async () => {
  const script = resolve(__dirname, '../client/hooks/hookServer.ts');
  const noSecret = procs.spawn(process.execPath, nodeArgsForTs(script, ['--port', '0']), { name: 'hooks-nosecret', env: { ...process.env, RAMPART_WEBHOOK_SECRET: '' } });
  assert.equal((await noSecret.exited).code, 2);
  assert.match(noSecret.output(), /RAMPART_WEBHOOK_SECRET is not set/);

  const proc = procs.spawn(process.execPath, nodeArgsForTs(script, ['--port', '0']), { name: 'hooks', env: { ...process.env, RAMPART_WEBHOOK_SECRET: SECRET } });
  const [, url] = await proc.waitForOutput(/"url":"([^"]+)"/, 15_000);
  const body = JSON.stringify(alertmanagerPayload());
  const reply = await post(`${url}/hooks/alertmanager`, body, { authorization: `Bearer ${SECRET}` });
  assert.equal(reply.status, 202);
  assert.deepEqual(reply.body.incidents, [{ dedupKey: 'alertmanager:{}:{alertname="HighErrorRate"}', status: 'logged' }]);
  await proc.waitForOutput(/"event":\{"source":"alertmanager"/, 5_000);
  const status = await proc.stop();
  assert.equal(status.code, 0);
  assert.ok(!proc.output().includes(SECRET), 'the secret must never be logged');
});
