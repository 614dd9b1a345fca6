/**
 * The alert webhooks over real HTTP: Alertmanager notifications (signed and bearer) and the generic
 * format become AlertEvents; bad credentials, bad bodies, oversized bodies and wrong routes are
 * refused before anything reaches onAlert. The last test runs the server as its own process.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { resolve } from 'node:path';
import { after, before, beforeEach, test } from 'node:test';
import { nodeArgsForTs } from '../local/process/tsxCommand';
import { signBody, startHookServer, type AlertEvent, type HookServer } from '../client/hooks/hookServer';
import { ProcessGroup } from '../local/process/processes';

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

const signed = (body: string, secret = SECRET) => ({ 'x-rampart-signature': signBody(secret, body) });

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
    { 'x-rampart-signature': 'sha256=00' },
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

  // The same summary again maps to the same key: it joins rather than opens.
  const again = await post(`${server.url}/hooks/generic`, body, signed(body));
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
    const reply = await post(`${failing.url}/hooks/generic`, body, signed(body));
    assert.equal(reply.status, 500);
    assert.match(reply.body.detail, /Temporal unreachable/);
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
