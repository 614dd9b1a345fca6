/**
 * The webhook adapter against a real receiver process (local/standins/webhookReceiver.ts): signed
 * commands, rejection of a wrong secret, and exactly-once application under a repeated key.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import type { FeatureChange, TargetChange } from '../activities/adapters/types';
import { WebhookAdapter } from '../activities/adapters/webhook/webhookAdapter';
import { nodeArgsForTs } from '../local/process/tsxCommand';
import type { Target } from '../domain/fleet';
import { buildArtifact } from '../local/fleet/artifactBuild';

const SECRET_ENV = 'RAMPART_TEST_WEBHOOK_SECRET';
const WRONG_SECRET_ENV = 'RAMPART_TEST_WEBHOOK_WRONG_SECRET';
const adapter = new WebhookAdapter({ requestTimeoutMs: 5000, secret: (name) => process.env[name] });

let dir = '';
let receiver: ChildProcess | undefined;
let baseUrl = '';
let artifact = { path: '', sha256: '' };

const logFile = () => join(dir, 'changes.jsonl');

function webhookTarget(secretEnv = SECRET_ENV, url = `${baseUrl}/deploy`): Target {
  return { id: 'w-01', adapter: 'webhook', url, healthUrl: baseUrl, secretEnv, labels: {} };
}

function change(key: string, version: string, target = webhookTarget()): TargetChange {
  return { key, rolloutId: 'r-webhook', step: 'wave-1', target, version, artifact };
}

function featureChange(key: string, enabled: boolean, target = webhookTarget()): FeatureChange {
  return { key, rolloutId: 'r-webhook', target, feature: 'new-checkout', enabled };
}

async function appliedChanges(): Promise<{ key: string; action: string; version?: string; feature?: string; enabled?: boolean; previous?: boolean }[]> {
  const text = await readFile(logFile(), 'utf8').catch(() => '');
  return text.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
}

/** Starts the receiver and reads the port it prints once listening. */
async function startReceiver(): Promise<ChildProcess> {
  const script = resolve(__dirname, '../local/standins/webhookReceiver.ts');
  const child = spawn(process.execPath, nodeArgsForTs(script, ['--port', '0', '--log', logFile(), '--secret-env', SECRET_ENV, '--version', '1.0.0']), {
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    env: { ...process.env },
  });
  const port = await new Promise<number>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error('the webhook receiver did not start within 10 s')), 10_000);
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n')[0];
      if (out.includes('\n') && line) {
        clearTimeout(timer);
        ok((JSON.parse(line) as { port: number }).port);
      }
    });
    child.once('exit', (code) => fail(new Error(`the webhook receiver exited with code ${code}`)));
  });
  baseUrl = `http://127.0.0.1:${port}`;
  return child;
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rampart-webhook-test-'));
  process.env[SECRET_ENV] = randomBytes(24).toString('hex');
  process.env[WRONG_SECRET_ENV] = randomBytes(24).toString('hex');
  artifact = await buildArtifact({ version: '1.1.0', outDir: dir });
  receiver = await startReceiver();
});

after(async () => {
  if (receiver && receiver.exitCode === null && receiver.signalCode === null) {
    const exited = new Promise((r) => receiver!.once('exit', r));
    receiver.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
    if (receiver.exitCode === null && receiver.signalCode === null) receiver.kill('SIGKILL');
  }
  delete process.env[SECRET_ENV];
  delete process.env[WRONG_SECRET_ENV];
  await rm(dir, { recursive: true, force: true });
});

test('install is applied, and probe and sample read the receiver', async () => {
  const result = await adapter.install(change('k-1', '1.1.0'));
  assert.deepEqual(result, { targetId: 'w-01', version: '1.1.0', previousVersion: '1.0.0', replayed: false });
  const probe = await adapter.probe(webhookTarget());
  assert.deepEqual([probe.up, probe.version], [true, '1.1.0']);
  const sample = await adapter.sample(webhookTarget());
  assert.equal(sample.up, true);
  assert.equal(sample.version, '1.1.0');
});

test('the same key twice is applied once', async () => {
  const first = await adapter.install(change('k-2', '1.2.0'));
  const second = await adapter.install(change('k-2', '1.2.0'));
  assert.equal(first.replayed, false);
  assert.deepEqual(second, { ...first, replayed: true });
  assert.equal((await appliedChanges()).filter((c) => c.key === 'k-2').length, 1);
});

test('a request signed with the wrong secret is rejected and changes nothing', async () => {
  const before = await appliedChanges();
  await assert.rejects(adapter.install(change('k-3', '9.9.9', webhookTarget(WRONG_SECRET_ENV))), (err: Error) => {
    assert.equal(err.name, 'WebhookRejected');
    assert.match(err.message, /HTTP 401/);
    assert.ok(!err.message.includes(process.env[WRONG_SECRET_ENV]!), 'the secret must never appear in an error');
    return true;
  });
  assert.deepEqual(await appliedChanges(), before);
  assert.equal((await adapter.probe(webhookTarget())).version, '1.2.0');
});

test('a missing secret is a configuration error, not a request', async () => {
  await assert.rejects(adapter.install(change('k-4', '1.3.0', webhookTarget('RAMPART_TEST_UNSET_SECRET'))), (err: Error) => {
    assert.equal(err.name, 'ConfigurationError');
    assert.match(err.message, /RAMPART_TEST_UNSET_SECRET/);
    return true;
  });
});

test('rollback reports the version it replaced', async () => {
  const result = await adapter.rollback(change('k-5', '1.1.0'));
  assert.deepEqual(result, { targetId: 'w-01', version: '1.1.0', previousVersion: '1.2.0', replayed: false });
});

test('a feature switch is applied once, signed, and shows on /health', async () => {
  const first = await adapter.setFeature(featureChange('k-f1', false));
  assert.deepEqual(first, { targetId: 'w-01', feature: 'new-checkout', enabled: false, replayed: false });
  const second = await adapter.setFeature(featureChange('k-f1', false));
  assert.deepEqual(second, { ...first, replayed: true });
  const logged = (await appliedChanges()).filter((c) => c.key === 'k-f1');
  assert.deepEqual(logged.map((c) => [c.action, c.feature, c.enabled, c.previous]), [['feature', 'new-checkout', false, true]]);
  const health = (await (await fetch(`${baseUrl}/health`)).json()) as { version: string; features: Record<string, boolean> };
  assert.deepEqual(health.features, { 'new-checkout': false });
  assert.equal(health.version, '1.1.0', 'a feature switch leaves the version alone');

  await assert.rejects(adapter.setFeature(featureChange('k-f2', true, webhookTarget(WRONG_SECRET_ENV))), { name: 'WebhookRejected' });
  // A key already used for an install cannot come back as a feature switch.
  await assert.rejects(adapter.setFeature(featureChange('k-1', true)), (err: Error) => err.name === 'WebhookRejected' && /HTTP 409/.test(err.message));
  assert.deepEqual((await appliedChanges()).filter((c) => c.action === 'feature').map((c) => c.key), ['k-f1']);
});

test('an unreachable receiver is a retryable failure', async () => {
  const closedPort = await new Promise<number>((ok) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => ok(port));
    });
  });
  await assert.rejects(adapter.install(change('k-6', '1.3.0', webhookTarget(SECRET_ENV, `http://127.0.0.1:${closedPort}/deploy`))), { name: 'WebhookUnavailable' });
});
