/**
 * The local fleet end to end, with real processes: fleetUp, installs and rollbacks through the
 * local adapter, faults that gates must be able to see, and fleetDown leaving nothing behind.
 * Tests run in order and share one 3-target fleet (t-01 internal, t-02 and t-03 external).
 */
import assert from 'node:assert/strict';
import { mkdtemp, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { TargetChange } from '../activities/adapters/types';
import { LocalAdapter } from '../activities/localFleet/localAdapter';
import { appendJournal } from '../activities/localFleet/installJournal';
import { windowBetween } from '../domain/metrics';
import type { Target } from '../domain/fleet';
import { buildArtifact, type Fault } from '../client/artifactBuild';
import { fleetDown, fleetStatus, fleetUp, isAlive, readInstallJournals, type FleetUpResult } from '../client/localFleet';

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
