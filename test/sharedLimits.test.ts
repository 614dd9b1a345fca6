/**
 * Limits that keep one client from spoiling things for others, and local control endpoints that a
 * web page must not reach: the portal's per-address stream cap (real portal on the dev server),
 * and the fleet supervisor's restart token, Origin and Host checks (a real local fleet).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { startPortal, type Portal } from '../client/portal/portalServer';
import { fleetDown, fleetUp, type FleetUpResult } from '../local/fleet/localFleet';
import { SUPERVISOR_TOKEN_HEADER, supervisorTokenFile } from '../activities/adapters/local/supervisorToken';
import { targetFolder } from '../domain/fleet';
import { devServerAddress, uniqueTaskQueue } from './helpers/temporal';

interface Opened {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  close(): void;
}

/** GET /api/stream from a given local address; resolves once the answer's headers (and, for a refusal, its body) are in. */
function openStream(url: string, options: { from?: string; headers?: Record<string, string> } = {}): Promise<Opened> {
  return new Promise((ok, fail) => {
    const req = http.get(`${url}/api/stream`, { agent: false, headers: options.headers, ...(options.from ? { localAddress: options.from } : {}) }, (res) => {
      const close = () => req.destroy();
      if (res.statusCode === 200) return ok({ status: 200, headers: res.headers, body: '', close });
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => ok({ status: res.statusCode ?? 0, headers: res.headers, body, close }));
    });
    req.on('error', fail);
  });
}

async function until(what: string, done: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('the portal caps event streams per client address (dev server)', () => {
  let client: Client;
  let direct: Portal;
  let proxied: Portal;
  const opened: Opened[] = [];
  before(async () => {
    client = new Client({ connection: await Connection.connect({ address: devServerAddress() }) });
    const common = { client, taskQueue: uniqueTaskQueue('streams'), customers: [], secret: 'portal-test-secret-0123456789abcdef', pollIntervalMs: 1000 };
    direct = await startPortal(common);
    proxied = await startPortal({ ...common, trustedProxy: '127.0.0.1', maxStreamsPerAddress: 2 });
  });
  after(async () => {
    for (const s of opened) s.close();
    await Promise.allSettled([direct?.close(), proxied?.close()]);
    await client?.connection.close();
  });
  const open = async (portal: Portal, options: Parameters<typeof openStream>[1] = {}) => {
    const s = await openStream(portal.url, options);
    opened.push(s);
    return s;
  };

  test('ten streams from one address; the eleventh is 429 with Retry-After; other addresses still get theirs', async () => {
    for (let i = 0; i < 10; i++) assert.equal((await open(direct)).status, 200, `stream ${i + 1}`);
    const eleventh = await open(direct);
    assert.equal(eleventh.status, 429);
    assert.equal(eleventh.headers['retry-after'], '10');
    assert.deepEqual(JSON.parse(eleventh.body), { error: 'too many open streams from your address (at most 10); close one or retry later' });
    // Without a trusted proxy, X-Forwarded-For is the client's own word and changes nothing.
    assert.equal((await open(direct, { headers: { 'x-forwarded-for': '198.51.100.1' } })).status, 429);
    assert.equal(direct.openStreams(), 10);

    // Another client (another loopback address) is not locked out.
    assert.equal((await open(direct, { from: '127.0.0.2' })).status, 200);
    // A stream that ends gives its place back.
    opened[0]!.close();
    await until('the closed stream to be dropped', () => direct.openStreams() === 10);
    assert.equal((await open(direct)).status, 200);
  });

  test('behind a trusted proxy, the client address it appends to X-Forwarded-For is what counts', async () => {
    const via = (forwardedFor: string) => open(proxied, { headers: { 'x-forwarded-for': forwardedFor } });
    assert.equal((await via('203.0.113.7')).status, 200);
    assert.equal((await via('203.0.113.7')).status, 200);
    assert.equal((await via('203.0.113.7')).status, 429);
    // What the client wrote before the proxy's own entry does not let it pass as someone else.
    assert.equal((await via('203.0.113.99, 203.0.113.7')).status, 429);
    assert.equal((await via('203.0.113.8')).status, 200, 'another client behind the same proxy');
  });
});

describe("the fleet supervisor's restart needs this run's token and refuses cross-site requests (real fleet)", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rampart-supervisor-'));
  let fleet: FleetUpResult;
  let targetDir: string;
  before(async () => {
    fleet = await fleetUp({ stateDir: path.join(dir, 'fleet'), size: 1, version: '1.0.0', internal: 0 });
    const target = fleet.fleet.targets[0]!;
    assert.ok(target.adapter === 'local');
    targetDir = targetFolder(target);
  });
  after(async () => {
    if (fleet) await fleetDown({ stateDir: fleet.stateDir });
    rmSync(dir, { recursive: true, force: true });
  });

  const restart = async (headers: Record<string, string>) => {
    const res = await fetch(`${fleet.supervisorUrl}/targets/t-01/restart`, { method: 'POST', headers });
    return { status: res.status, body: (await res.json()) as { error?: string; restarts?: number; state?: string } };
  };

  test('401 without the token or with a wrong one, 403 from another origin, site or Host; 200 with the token', async () => {
    const file = supervisorTokenFile(targetDir);
    assert.equal(statSync(file).mode & 0o777, 0o600, 'only the operator can read the token');
    const token = readFileSync(file, 'utf8').trim();
    assert.match(token, /^[0-9a-f]{64}$/);

    const none = await restart({});
    assert.equal(none.status, 401);
    assert.equal(none.body.error, 'missing or wrong X-Rampart-Supervisor-Token: read it from <target dir>/supervisor.token');
    assert.equal((await restart({ [SUPERVISOR_TOKEN_HEADER]: 'f'.repeat(64) })).status, 401);

    // What a web page the operator has open would send, even if it somehow knew the token.
    const fromPage = await restart({ [SUPERVISOR_TOKEN_HEADER]: token, origin: 'https://attacker.example' });
    assert.deepEqual(fromPage, { status: 403, body: { error: 'cross-origin request refused' } });
    assert.equal((await restart({ [SUPERVISOR_TOKEN_HEADER]: token, 'sec-fetch-site': 'cross-site' })).status, 403);
    // DNS rebinding: the attacker's name resolving to 127.0.0.1 still arrives with its own Host.
    const rebound = await new Promise<number>((ok, fail) => {
      const req = http.request(`${fleet.supervisorUrl}/targets`, { headers: { host: 'attacker.example' }, agent: false }, (res) => {
        res.resume();
        ok(res.statusCode ?? 0);
      });
      req.on('error', fail);
      req.end();
    });
    assert.equal(rebound, 403);
    const before = (await (await fetch(`${fleet.supervisorUrl}/targets`)).json()) as { restarts: number }[];
    assert.equal(before[0]!.restarts, 0, 'no refused request restarted anything');

    const ok = await restart({ [SUPERVISOR_TOKEN_HEADER]: token });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(ok.body.restarts, 1);
    assert.equal(ok.body.state, 'running');
  });

  test('fleet down removes the token', async () => {
    await fleetDown({ stateDir: fleet.stateDir });
    assert.throws(() => statSync(supervisorTokenFile(targetDir)), { code: 'ENOENT' });
  });
});
