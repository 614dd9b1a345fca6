import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startPrometheus, type PrometheusServer } from '../local/prometheus/prometheusServer';
import { RolloutHarness, fastPlaybook } from './helpers/rolloutHarness';

describe('a rollout gated by PromQL against a real Prometheus scraping the fleet', () => {
  const h = new RolloutHarness();
  let prometheus: PrometheusServer;
  before(async () => {
    await h.start({ size: 4 });
    prometheus = await startPrometheus({
      dataDir: path.join(h.dir, 'prometheus'),
      scrapeTargets: h.fleet.fleet.targets.map((t) => ({ id: t.id, url: (t as { url: string }).url })),
      scrapeIntervalMs: 1000,
    });
  });
  after(async () => {
    await prometheus?.stop();
    await h.stop();
  });

  const playbook = () => fastPlaybook({
    phases: { canary: { size: 1, bakeTime: '6s' }, waves: [{ size: '100%', bakeTime: '4s', maxParallel: 3 }] },
    health: {
      errorRate: { max: 0.1, maxIncrease: 0.05 },
      minSamples: 10,
      analysisInterval: '3s',
      consecutiveBreaches: 2,
      provider: { type: 'prometheus', url: prometheus.url, window: '3s' },
    },
  });

  test('a good release passes every PromQL gate and completes', async () => {
    const artifact = await h.artifact('8.0.0');
    await h.startRollout(h.input('prom-good', playbook(), artifact, '8.0.0'));
    const status = await h.waitFor('prom-good', (s) => ['completed', 'rolled_back', 'failed'].includes(s.state), 120_000);
    assert.equal(status.state, 'completed', status.outcome?.reason);
    assert.ok(status.steps.every((s) => s.lastGate?.verdict === 'pass'));
  });

  test('a faulty canary is caught by PromQL and rolled back', async () => {
    const before = await h.versions();
    const artifact = await h.artifact('8.1.0-bad', { errorRate: 0.5 });
    await h.startRollout(h.input('prom-bad', playbook(), artifact, '8.1.0-bad'));
    const status = await h.waitFor('prom-bad', (s) => ['completed', 'rolled_back', 'failed'].includes(s.state), 120_000);
    assert.equal(status.state, 'rolled_back');
    assert.equal(status.breaker?.step, 'canary');
    assert.match(status.breaker?.reasons.join(' ') ?? '', /error rate \d+\.\d% above limit 10\.0%/);
    assert.deepEqual(await h.versions(), before);
  });
});
