/**
 * The local fleet end to end, with real processes: fleetUp, installs and rollbacks through the
 * local adapter, faults that gates must be able to see, and fleetDown leaving nothing behind.
 * Tests run in order and share one 3-target fleet (t-01 internal, t-02 and t-03 external).
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { FeatureChange, TargetChange } from '../activities/adapters/types';
import { LocalAdapter } from '../activities/adapters/local/localAdapter';
import { appendJournal } from '../activities/adapters/local/installJournal';
import { windowBetween } from '../domain/metrics';
import type { Target } from '../domain/fleet';
import { buildArtifact, parseFaultFlag, type Fault } from '../local/fleet/artifactBuild';
import { fleetDown, fleetStatus, fleetUp, isAlive, readInstallJournals, type FleetUpResult } from '../local/fleet/localFleet';
import { ProcessGroup } from '../local/process/processes';
import { nodeArgsForTs } from '../local/process/tsxCommand';
import { EXIT } from '../client/exitCodes';
import { rampart } from './helpers/cli';

let stateDir = '';
let fleet: FleetUpResult | undefined;
/** Every pid the fleet ever had, so `after` can kill leftovers even when a test failed half-way. */
const seenPids = new Set<number>();
const adapter = new LocalAdapter({ healthTimeoutMs: 10_000, pollIntervalMs: 100 });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function target(id: string): Target {
  const found = fleet?.fleet.targets.find((t) => t.id === id);
  assert.ok(found, `no target ${id}`);
  return found;
}

const dirOf = (id: string) => join(stateDir, 'targets', id);

async function artifact(version: string, fault?: Fault) {
  return buildArtifact({ version, outDir: join(stateDir, 'build'), ...(fault ? { fault } : {}) });
}

function change(id: string, version: string, key: string, built?: { path: string; sha256: string }): TargetChange {
  return { key, rolloutId: 'r-test', step: 'test', target: target(id), version, ...(built ? { artifact: built } : {}) };
}

function featureChange(id: string, key: string, enabled: boolean, feature = 'new-checkout'): FeatureChange {
  return { key, rolloutId: 'r-test', target: target(id), feature, enabled };
}

async function health(id: string): Promise<{ version: string; startedAt: string; pid: number; features: Record<string, boolean> }> {
  const t = target(id);
  assert.equal(t.adapter, 'local');
  const res = await fetch(`${t.adapter === 'local' ? t.url : ''}/health`, { signal: AbortSignal.timeout(2000) });
  return (await res.json()) as { version: string; startedAt: string; pid: number; features: Record<string, boolean> };
}

/** Error rate of t's own synthetic traffic (about 20 requests/s) over `ms`. */
async function errorWindow(id: string, ms: number) {
  const start = await adapter.sample(target(id));
  await sleep(ms);
  return windowBetween(start, await adapter.sample(target(id)));
}

async function rememberPids(): Promise<void> {
  const status = await fleetStatus({ stateDir });
  if (status.supervisorPid) seenPids.add(status.supervisorPid);
  for (const t of status.targets) if (t.pid) seenPids.add(t.pid);
}

async function journal(id: string) {
  return (await readInstallJournals({ stateDir })).find((j) => j.targetId === id)?.records ?? [];
}

before(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'rampart-fleet-test-'));
  fleet = await fleetUp({ stateDir, size: 3, version: '1.0.0', internal: 1 });
  seenPids.add(fleet.supervisorPid);
  await rememberPids();
});

after(async () => {
  try {
    if (fleet) await fleetDown({ stateDir });
  } finally {
    for (const pid of seenPids) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    await rm(stateDir, { recursive: true, force: true });
  }
});

test('fleetUp labels rings and every target serves the first version', async () => {
  assert.deepEqual(fleet!.fleet.targets.map((t) => t.labels.ring), ['internal', 'external', 'external']);
  const status = await fleetStatus({ stateDir });
  assert.equal(status.running, true);
  assert.deepEqual(status.targets.map((t) => [t.id, t.up, t.version]), [
    ['t-01', true, '1.0.0'],
    ['t-02', true, '1.0.0'],
    ['t-03', true, '1.0.0'],
  ]);
});

test('install switches current and the target serves the new version', async () => {
  const built = await artifact('1.1.0');
  const result = await adapter.install(change('t-01', '1.1.0', 'k-install', built));
  assert.deepEqual(result, { targetId: 't-01', version: '1.1.0', previousVersion: '1.0.0', replayed: false });
  assert.equal((await adapter.probe(target('t-01'))).version, '1.1.0');
  assert.equal(await readlink(join(dirOf('t-01'), 'current')), join('releases', '1.1.0'));
  await rememberPids();
});

test('the same key again is a replay and the journal shows one install', async () => {
  const before = await fleetStatus({ stateDir });
  const built = await artifact('1.1.0');
  const result = await adapter.install(change('t-01', '1.1.0', 'k-install', built));
  assert.equal(result.replayed, true);
  assert.equal(result.previousVersion, '1.0.0');
  const records = (await journal('t-01')).filter((r) => r.key === 'k-install');
  assert.deepEqual(records.map((r) => r.phase), ['begin', 'done']);
  const after = await fleetStatus({ stateDir });
  assert.equal(after.targets[0]?.pid, before.targets[0]?.pid, 'a replay must not restart the target');
});

test('an install interrupted after the switch finishes without switching or restarting again', async () => {
  // As if a worker died right after switching t-01 to 1.1.0: begun, not done, already serving.
  await appendJournal(dirOf('t-01'), { key: 'k-resume', action: 'install', from: '1.0.0', to: '1.1.0', at: new Date().toISOString(), phase: 'begin' });
  const pidBefore = (await fleetStatus({ stateDir })).targets[0]?.pid;
  const result = await adapter.install(change('t-01', '1.1.0', 'k-resume', await artifact('1.1.0')));
  assert.deepEqual(result, { targetId: 't-01', version: '1.1.0', previousVersion: '1.0.0', replayed: false });
  assert.equal((await fleetStatus({ stateDir })).targets[0]?.pid, pidBefore);
  assert.deepEqual((await journal('t-01')).filter((r) => r.key === 'k-resume').map((r) => r.phase), ['begin', 'done']);
});

test('an error-rate fault shows up in the sampled errors', async () => {
  const baseline = await adapter.sample(target('t-02'));
  assert.equal(baseline.up, true);
  assert.equal(baseline.errors, 0);
  await adapter.install(change('t-02', '1.2.0', 'k-faulty', await artifact('1.2.0', { errorRate: 0.5 })));
  const start = await adapter.sample(target('t-02'));
  await sleep(2500);
  const end = await adapter.sample(target('t-02'));
  assert.equal(end.version, '1.2.0');
  const window = windowBetween(start, end);
  assert.ok(window.requests >= 20, `expected steady synthetic traffic, got ${window.requests} requests`);
  const rate = window.errors / window.requests;
  assert.ok(rate > 0.2 && rate < 0.8, `expected about half the requests to fail, got ${window.errors}/${window.requests}`);
  await rememberPids();
});

test('a crash fault installs without throwing and leaves the target down', async () => {
  const result = await adapter.install(change('t-03', '1.3.0', 'k-crash', await artifact('1.3.0', { crash: true })));
  assert.equal(result.version, '1.3.0');
  let down = false;
  for (let i = 0; i < 50 && !down; i++) {
    down = !(await adapter.probe(target('t-03'))).up;
    if (!down) await sleep(100);
  }
  assert.ok(down, 't-03 should go down within 5 s of installing a crashing version');
  assert.equal(await readlink(join(dirOf('t-03'), 'current')), join('releases', '1.3.0'));
});

test('rollback returns a crashed target to the previous version', async () => {
  const result = await adapter.rollback(change('t-03', '1.0.0', 'k-rollback'));
  assert.deepEqual(result, { targetId: 't-03', version: '1.0.0', previousVersion: '1.3.0', replayed: false });
  await sleep(500); // past the moment a crashing version would have died
  const probe = await adapter.probe(target('t-03'));
  assert.deepEqual([probe.up, probe.version], [true, '1.0.0']);
  assert.equal(await readlink(join(dirOf('t-03'), 'current')), join('releases', '1.0.0'));
  await rememberPids();
});

test('--fault accepts feature=<name> only as a gate on an error rate or latency', () => {
  assert.deepEqual(parseFaultFlag('error-rate=0.5,feature=new-checkout'), { ok: true, fault: { errorRate: 0.5, feature: 'new-checkout' } });
  assert.deepEqual(parseFaultFlag('latency=300ms,feature=search-v2'), { ok: true, fault: { latencyMs: 300, feature: 'search-v2' } });
  const bad = parseFaultFlag('error-rate=0.5,feature=New_Checkout');
  assert.ok(!bad.ok && /feature must be a name such as "new-checkout".*got "New_Checkout"/.test(bad.error), JSON.stringify(bad));
  const alone = parseFaultFlag('feature=new-checkout');
  assert.ok(!alone.ok && /gates nothing/.test(alone.error), JSON.stringify(alone));
});

test('a fault gated on a feature fails requests while the feature is on', async () => {
  await adapter.install(change('t-01', '1.4.0', 'k-gated', await artifact('1.4.0', { errorRate: 0.5, feature: 'new-checkout' })));
  const h = await health('t-01');
  assert.deepEqual([h.version, h.features], ['1.4.0', { 'new-checkout': true }]);
  const window = await errorWindow('t-01', 1500);
  assert.ok(window.requests >= 10, `expected steady synthetic traffic, got ${window.requests} requests`);
  const rate = window.errors / window.requests;
  assert.ok(rate > 0.2 && rate < 0.8, `expected about half the requests to fail, got ${window.errors}/${window.requests}`);
  await rememberPids();
});

test('switching the feature off stops the errors at once, without a restart', async () => {
  const before = await health('t-01');
  const pidBefore = (await fleetStatus({ stateDir })).targets[0]?.pid;
  const started = Date.now();
  const result = await adapter.setFeature(featureChange('t-01', 'k-feature-off', false));
  const took = Date.now() - started;
  assert.deepEqual(result, { targetId: 't-01', feature: 'new-checkout', enabled: false, replayed: false });
  assert.ok(took < 2000, `setFeature should be confirmed by /health within a second or two, took ${took} ms`);
  assert.deepEqual(JSON.parse(await readFile(join(dirOf('t-01'), 'features.json'), 'utf8')), { 'new-checkout': false });

  // setFeature returns once /health shows the switch, so from here on no request may fail.
  const window = await errorWindow('t-01', 1500);
  assert.ok(window.requests >= 10, `expected steady synthetic traffic, got ${window.requests} requests`);
  assert.equal(window.errors, 0, `no request may fail with new-checkout off, got ${window.errors}/${window.requests}`);

  const after = await health('t-01');
  assert.deepEqual(after.features, { 'new-checkout': false });
  assert.deepEqual([after.version, after.pid, after.startedAt], [before.version, before.pid, before.startedAt], 'a feature switch must not restart the target');
  assert.equal((await fleetStatus({ stateDir })).targets[0]?.pid, pidBefore);
});

test('the same feature key twice is a replay and the journal shows one feature change', async () => {
  const again = await adapter.setFeature(featureChange('t-01', 'k-feature-off', false));
  assert.deepEqual(again, { targetId: 't-01', feature: 'new-checkout', enabled: false, replayed: true });
  const records = (await journal('t-01')).filter((r) => r.key === 'k-feature-off');
  assert.deepEqual(records.map((r) => [r.action, r.from, r.to, r.phase]), [
    ['feature', 'new-checkout=true', 'new-checkout=false', 'begin'],
    ['feature', 'new-checkout=true', 'new-checkout=false', 'done'],
  ]);
  // A key means one change: reusing it for the opposite switch (or an install) is refused.
  await assert.rejects(adapter.setFeature(featureChange('t-01', 'k-feature-off', true)), { name: 'ConfigurationError' });
  await assert.rejects(adapter.install(change('t-01', '1.4.0', 'k-feature-off', { path: join(stateDir, 'unused.tar.gz'), sha256: '0'.repeat(64) })), { name: 'ConfigurationError' });
  await assert.rejects(adapter.setFeature(featureChange('t-01', 'k-bad-name', false, 'New Checkout')), { name: 'ConfigurationError' });
  assert.equal((await journal('t-01')).filter((r) => r.key === 'k-feature-off').length, 2);
});

test('switching the feature back on brings the fault back, still without a restart', async () => {
  const before = await health('t-01');
  const result = await adapter.setFeature(featureChange('t-01', 'k-feature-on', true));
  assert.equal(result.replayed, false);
  const window = await errorWindow('t-01', 1500);
  assert.ok(window.errors > 0, `errors should resume with new-checkout on, got ${window.errors}/${window.requests}`);
  const after = await health('t-01');
  assert.deepEqual(after.features, { 'new-checkout': true });
  assert.equal(after.startedAt, before.startedAt);
});

test('rollback to a release the target never had is a clear error', async () => {
  await assert.rejects(adapter.rollback(change('t-02', '0.9.0', 'k-missing')), (err: Error) => {
    assert.equal(err.name, 'ReleaseMissing');
    assert.match(err.message, /releases\/0\.9\.0 is not on the target/);
    return true;
  });
});

test('an artifact whose digest does not match is refused and changes nothing', async () => {
  const built = await artifact('1.5.0');
  const journalBefore = await journal('t-02');
  await assert.rejects(adapter.install(change('t-02', '1.5.0', 'k-tampered', { path: built.path, sha256: '0'.repeat(64) })), (err: Error) => {
    assert.equal(err.name, 'ArtifactDigestMismatch');
    return true;
  });
  assert.equal(await readlink(join(dirOf('t-02'), 'current')), join('releases', '1.2.0'));
  assert.deepEqual(await journal('t-02'), journalBefore);
  await assert.rejects(adapter.install(change('t-02', '1.5.0', 'k-gone', { path: join(stateDir, 'nope.tar.gz'), sha256: built.sha256 })), { name: 'ArtifactMissing' });
});

test('fleetDown stops the supervisor and every target process', async () => {
  await rememberPids();
  const pids = [...seenPids];
  assert.ok(pids.length >= 4, `expected the supervisor and three targets, saw pids ${pids.join(', ')}`);
  const result = await fleetDown({ stateDir });
  assert.equal(result.wasRunning, true);
  assert.equal(result.forced, false);
  for (let i = 0; i < 30 && pids.some(isAlive); i++) await sleep(100);
  assert.deepEqual(pids.filter(isAlive), [], 'no fleet process may outlive fleetDown');
  const again = await fleetDown({ stateDir });
  assert.equal(again.wasRunning, false);
  assert.match(again.message, /no local fleet is running/);
  fleet = undefined;
});

/** A fleet of its own in a fresh folder, for the tests below that start and end whole fleets. */
async function withOwnFleetDir(run: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'rampart-fleet-own-'));
  try {
    await run(dir);
  } finally {
    for (const stateDir of [dir, join(dir, 'fleet')]) await fleetDown({ stateDir }).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}

test('fleet up --timeout: targets not ready in time are a clear message and exit code, and nothing stays running', async () => {
  await withOwnFleetDir(async (dir) => {
    const result = await rampart(['fleet', 'up', '--size', '2', '--version', '1.0.0', '--dir', dir, '--timeout', '1ms']);
    assert.equal(result.code, EXIT.notReady, result.stderr);
    assert.match(result.stderr, /did not report version 1\.0\.0 on \/health: t-01, t-02/);
    assert.match(result.stderr, /supervisor\.log/);
    assert.match(result.stderr, /--timeout/);
    assert.doesNotMatch(result.stderr, /\n\s+at /, 'a timeout is a message, not a stack trace');
    assert.equal((await fleetStatus({ stateDir: dir })).running, false);
  });
});

test('fleet up from the CLI leaves the fleet running after the CLI has exited', async () => {
  await withOwnFleetDir(async (dir) => {
    const result = await rampart(['fleet', 'up', '--size', '1', '--version', '1.0.0', '--dir', dir]);
    assert.equal(result.code, 0, result.stderr);
    const status = await fleetStatus({ stateDir: dir });
    assert.equal(status.running, true);
    assert.deepEqual(status.targets.map((t) => [t.id, t.up]), [['t-01', true]]);
  });
});

test('a fleet started by a process that is killed goes with it: no supervisor or target is left', async () => {
  await withOwnFleetDir(async (dir) => {
    const procs = new ProcessGroup();
    try {
      // The owner: a process of its own that brings a fleet up (the way a test does) and is then killed.
      const ownerScript = join(dir, 'owner.ts');
      await writeFile(
        ownerScript,
        `import { fleetStatus, fleetUp } from ${JSON.stringify(join(__dirname, '../local/fleet/localFleet'))};
        void fleetUp({ stateDir: ${JSON.stringify(join(dir, 'fleet'))}, size: 2, version: '1.0.0' })
          .then(() => fleetStatus({ stateDir: ${JSON.stringify(join(dir, 'fleet'))} }))
          .then((s) => { console.log('pids ' + JSON.stringify([s.supervisorPid, ...s.targets.map((t) => t.pid)])); setInterval(() => {}, 1000); });\n`,
      );
      const owner = procs.spawn(process.execPath, nodeArgsForTs(ownerScript), { name: 'fleet-owner' });
      const pids = JSON.parse((await owner.waitForOutput(/pids (\[[^\]]*\])/, 60_000))[1]!) as number[];
      assert.equal(pids.length, 3);
      assert.ok(pids.every(isAlive));
      owner.kill('SIGKILL');
      for (let i = 0; i < 100 && pids.some(isAlive); i++) await sleep(100);
      assert.deepEqual(pids.filter(isAlive), [], 'the supervisor and its targets must die with their owner');
    } finally {
      await procs.stopAll();
    }
  });
});
