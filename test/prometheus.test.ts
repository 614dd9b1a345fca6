/**
 * The Prometheus health provider against real processes: a 3-target local fleet, a real Prometheus
 * scraping it every second, a faulty release on one target and a stopped target. The numbers from
 * PromQL must agree with the direct /metrics provider over the same window.
 * Tests run in order and share the fleet (t-01 gets the faulty release; t-02, t-03 are baseline).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { LocalAdapter } from '../activities/adapters/local/localAdapter';
import { measureWithPrometheus, queryPrometheus, selector } from '../activities/prometheus/prometheusProvider';
import { createDeployAdapters } from '../activities/adapters';
import { targetActivities } from '../activities/targetActions';
import { buildArtifact } from '../local/fleet/artifactBuild';
import { fleetDown, fleetStatus, fleetUp, isAlive, type FleetUpResult } from '../local/fleet/localFleet';
import { resolvePrometheusBinary, startPrometheus, type PrometheusServer } from '../local/prometheus/prometheusServer';
import { measureGroup, type GroupMeasurement } from '../domain/evaluateGate';
import type { Target } from '../domain/fleet';
import { sumWindows, windowBetween, type TargetSample } from '../domain/metrics';

let stateDir = '';
let fleet: FleetUpResult | undefined;
let prom: PrometheusServer | undefined;
const pids = new Set<number>();
const stoppedPids = new Set<number>();
const adapter = new LocalAdapter({ healthTimeoutMs: 10_000, pollIntervalMs: 100 });
const { sampleTargets } = targetActivities(createDeployAdapters({ secret: () => undefined }), []);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const target = (id: string): Target => {
  const found = fleet?.fleet.targets.find((t) => t.id === id);
  assert.ok(found, `no target ${id}`);
  return found;
};

/** The direct provider's view of a window, exactly as workflows/analysis.ts computes it. */
function directGroup(ids: string[], before: TargetSample[], after: TargetSample[]): GroupMeasurement {
  const samples = after.filter((s) => ids.includes(s.id));
  const down = samples.filter((s) => !s.up).map((s) => s.id);
  const windows = samples.filter((s) => s.up).map((s) => windowBetween(before.find((b) => b.id === s.id), s));
  return measureGroup(sumWindows(windows), ids.length, down);
}

async function failureOf(run: Promise<unknown>): Promise<ApplicationFailure> {
  try {
    await run;
  } catch (err) {
    assert.ok(err instanceof ApplicationFailure, `expected an ApplicationFailure, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a failure');
}

before(async () => {
  resolvePrometheusBinary(); // fails early with the setup hint when Prometheus is not installed
  stateDir = await mkdtemp(join(tmpdir(), 'rampart-prometheus-test-'));
  fleet = await fleetUp({ stateDir, size: 3, version: '1.0.0', internal: 1 });
  pids.add(fleet.supervisorPid);
  prom = await startPrometheus({
    dataDir: join(stateDir, 'prometheus'),
    scrapeTargets: fleet.fleet.targets.map((t) => ({ id: t.id, url: (t as { url: string }).url })),
    scrapeIntervalMs: 1000,
  });
  pids.add(prom.pid);
});

after(async () => {
  try {
    for (const pid of stoppedPids) if (isAlive(pid)) process.kill(pid, 'SIGCONT');
    await prom?.stop();
    if (fleet) await fleetDown({ stateDir });
  } finally {
    for (const pid of pids) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    await rm(stateDir, { recursive: true, force: true });
  }
});

test('a missing binary is a clear error naming the setup script', () => {
  assert.throws(() => resolvePrometheusBinary({ PROMETHEUS_BIN: '/nonexistent/prometheus' }), /PROMETHEUS_BIN=\/nonexistent\/prometheus.*bash scripts\/setup\.sh/);
});

test('Prometheus scrapes every target, labelled with its id, on loopback only', async () => {
  assert.match(prom!.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  const up = await queryPrometheus(prom!.url, 'up{job="rampart"}');
  assert.deepEqual(up.map((s) => [s.metric.target, s.value]).sort(), [['t-01', 1], ['t-02', 1], ['t-03', 1]]);
  // increase() needs two scrapes inside the window; until then a window has no data (requests 0).
  let m = await measureWithPrometheus({ prometheusUrl: prom!.url, candidates: ['t-01'], baseline: ['t-02', 't-03'], windowSeconds: 3 });
  for (const deadline = Date.now() + 10_000; m.candidate.requests === 0 && Date.now() < deadline; ) {
    assert.equal(m.candidate.errorRate, null);
    await sleep(300);
    m = await measureWithPrometheus({ prometheusUrl: prom!.url, candidates: ['t-01'], baseline: ['t-02', 't-03'], windowSeconds: 3 });
  }
  assert.deepEqual(m.candidate.down, []);
  assert.deepEqual(m.baseline?.down, []);
  assert.equal(m.candidate.errorRate, 0);
  assert.ok(m.candidate.requests > 0, `expected synthetic traffic, got ${m.candidate.requests}`);
  assert.deepEqual(m.seen['t-01'], { up: true, version: '1.0.0' });
});

test('a faulty release on one target: PromQL and direct /metrics both see ~50% errors there, ~0 on the baseline', async (t) => {
  const built = await buildArtifact({ version: '1.1.0', outDir: join(stateDir, 'build'), fault: { errorRate: 0.5 } });
  await adapter.install({ key: 'k-faulty', rolloutId: 'r-prom', step: 'canary', target: target('t-01'), version: '1.1.0', artifact: built });
  for (const t of (await fleetStatus({ stateDir })).targets) if (t.pid) pids.add(t.pid);
  await sleep(1500); // Prometheus has scraped the restarted process at least once

  const ids = ['t-01', 't-02', 't-03'];
  const targets = ids.map(target);
  const startedAt = Date.now();
  const first = await sampleTargets(targets);
  await sleep(6000);
  const second = await sampleTargets(targets);
  const endedAt = Date.now();
  await sleep(1500); // the scrape at the window's end is ingested

  const windowSeconds = (endedAt - startedAt) / 1000;
  const viaProm = await measureWithPrometheus({
    prometheusUrl: prom!.url, candidates: ['t-01'], baseline: ['t-02', 't-03'], windowSeconds, at: endedAt / 1000, job: 'rampart',
  });
  const direct = { candidate: directGroup(['t-01'], first, second), baseline: directGroup(['t-02', 't-03'], first, second) };
  const detail = JSON.stringify({ viaProm, direct });
  const brief = (m: GroupMeasurement) => `${m.requests} req, ${((m.errorRate ?? NaN) * 100).toFixed(1)}% errors, p99 ${m.p99LatencyMs} ms`;
  t.diagnostic(`window ${windowSeconds.toFixed(1)} s; t-01 prometheus ${brief(viaProm.candidate)} / direct ${brief(direct.candidate)}; baseline prometheus ${brief(viaProm.baseline!)} / direct ${brief(direct.baseline)}`);

  for (const [name, m] of [['prometheus', viaProm], ['direct', direct]] as const) {
    const rate = m.candidate.errorRate;
    assert.ok(rate !== null && rate > 0.3 && rate < 0.7, `${name}: candidate error rate should be about 0.5: ${detail}`);
    assert.equal(m.baseline?.errorRate, 0, `${name}: baseline error rate should be 0: ${detail}`);
    assert.ok(m.candidate.requests >= 30, `${name}: expected steady traffic on the candidate: ${detail}`);
    assert.deepEqual([m.candidate.down, m.baseline?.down], [[], []]);
  }
  assert.ok(Math.abs(viaProm.candidate.errorRate! - direct.candidate.errorRate!) < 0.15, `the two providers disagree: ${detail}`);
  const ratio = viaProm.candidate.requests / direct.candidate.requests;
  assert.ok(ratio > 0.65 && ratio < 1.35, `request counts should be close over the same window: ${detail}`);
  assert.ok(viaProm.candidate.p99LatencyMs !== null && direct.candidate.p99LatencyMs !== null);
  assert.ok(Math.abs(viaProm.candidate.p99LatencyMs - direct.candidate.p99LatencyMs) <= 5, `p99 should agree: ${detail}`);
  assert.deepEqual(viaProm.seen['t-01'], { up: true, version: '1.1.0' });
});

test('a stopped target is reported down by both providers', async () => {
  const pid = (await fleetStatus({ stateDir })).targets.find((t) => t.id === 't-03')?.pid;
  assert.ok(pid, 't-03 has no pid');
  process.kill(pid, 'SIGSTOP'); // alive to its supervisor, answering nobody
  stoppedPids.add(pid);
  try {
    let m: Awaited<ReturnType<typeof measureWithPrometheus>> | undefined;
    const deadline = Date.now() + 10_000;
    do {
      await sleep(500);
      m = await measureWithPrometheus({ prometheusUrl: prom!.url, candidates: ['t-01'], baseline: ['t-02', 't-03'], windowSeconds: 5 });
    } while (!m.baseline?.down.includes('t-03') && Date.now() < deadline);
    assert.deepEqual(m.baseline?.down, ['t-03'], JSON.stringify(m));
    assert.deepEqual(m.candidate.down, []);
    assert.equal(m.seen['t-03']?.up, false);
    // A target Prometheus never heard of is down too (up missing), and ids are matched literally:
    // unescaped, "t-0." would match every target.
    const literal = await measureWithPrometheus({ prometheusUrl: prom!.url, candidates: ['t-0.'], baseline: [], windowSeconds: 5 });
    assert.deepEqual([literal.candidate.down, literal.candidate.requests, literal.baseline], [['t-0.'], 0, null]);

    const direct = await sampleTargets([target('t-03')]);
    assert.equal(direct[0]?.up, false);
  } finally {
    process.kill(pid, 'SIGCONT');
    stoppedPids.delete(pid);
  }
});

test('failures: unreachable Prometheus is retryable, a bad query or bad input is not', async () => {
  assert.equal(selector(['t.1', 'a|b', 'q"x'], 'rampart'), '{job="rampart", target=~"t\\\\.1|a\\\\|b|q\\"x"}');

  const bad = await failureOf(queryPrometheus(prom!.url, 'sum(http_requests_total'));
  assert.deepEqual([bad.type, bad.nonRetryable], ['PrometheusBadQuery', true]);
  assert.match(bad.message, /bad_data/);

  const input = await failureOf(measureWithPrometheus({ prometheusUrl: prom!.url, candidates: [], baseline: [], windowSeconds: 0 }));
  assert.deepEqual([input.type, input.nonRetryable], ['InvalidInput', true]);
  assert.match(input.message, /candidates: expected at least one candidate target/);
  assert.match(input.message, /windowSeconds/);

  const closed = 'http://127.0.0.1:1';
  const unreachable = await failureOf(measureWithPrometheus({ prometheusUrl: closed, candidates: ['t-01'], baseline: [], windowSeconds: 5, timeoutMs: 2000 }));
  assert.deepEqual([unreachable.type, unreachable.nonRetryable], ['PrometheusUnavailable', false]);
});

test('stop() ends Prometheus and leaves no process behind', async () => {
  const { pid } = prom!;
  await prom!.stop();
  assert.equal(isAlive(pid), false);
  await prom!.stop(); // twice is fine
  prom = undefined;
});
