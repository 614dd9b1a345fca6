import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { evaluateGate, measureGroup } from '../domain/evaluateGate';
import { histogramQuantile, LATENCY_BUCKETS_S, parsePrometheusText, windowBetween } from '../domain/metrics';
import { playbookSchema } from '../domain/playbook';
import { planSteps } from '../domain/planSteps';
import { fastPlaybook } from './helpers/rolloutHarness';

const health = playbookSchema.parse(fastPlaybook()).health;
const group = (requests: number, errors: number) =>
  measureGroup({ requests, errors, buckets: new Array(LATENCY_BUCKETS_S.length + 1).fill(requests) }, 1, []);

describe('health gate', () => {
  test('passes, breaches, and needs enough samples', () => {
    assert.equal(evaluateGate(health, group(100, 2), group(100, 1)).verdict, 'pass');
    const breach = evaluateGate(health, group(100, 30), group(100, 1));
    assert.equal(breach.verdict, 'breach');
    assert.deepEqual(breach.reasons, ['error rate 30.0% above limit 10.0%', 'error rate 30.0% exceeds baseline 1.0% by more than 5.0%']);
    assert.equal(evaluateGate(health, group(5, 0), null).verdict, 'insufficient');
  });

  test('a pass within 20% of a limit is a near miss', () => {
    assert.equal(evaluateGate(health, group(100, 9), null).nearMiss, true, '9% against a 10% limit');
    assert.equal(evaluateGate(health, group(100, 5), null).nearMiss, false);
  });

  test('a down target is a breach whatever the numbers', () => {
    const down = measureGroup({ requests: 100, errors: 0, buckets: new Array(LATENCY_BUCKETS_S.length + 1).fill(100) }, 2, ['t-02']);
    assert.deepEqual(evaluateGate(health, down, null).reasons, ['targets not serving: t-02']);
  });
});

describe('metrics', () => {
  test('reads Prometheus text and survives a restart between reads', () => {
    const text = [
      '# TYPE http_requests_total counter',
      'http_requests_total 120',
      'http_request_errors_total 6',
      'http_request_duration_seconds_bucket{le="0.005"} 100',
      'http_request_duration_seconds_bucket{le="+Inf"} 120',
      'app_info{version="1.2.3"} 1',
    ].join('\n');
    const sample = parsePrometheusText('t-01', text);
    assert.deepEqual([sample.requests, sample.errors, sample.version], [120, 6, '1.2.3']);
    const after = { ...sample, requests: 10, errors: 1 };
    assert.equal(windowBetween(sample, after).requests, 10, 'a counter that went down means a restart: count from zero');
  });

  test('p99 interpolates inside its bucket like histogram_quantile', () => {
    const buckets = [0, 0, 0, 0, 50, 100, 100, 100, 100, 100, 100, 100];
    const p99 = histogramQuantile(0.99, buckets)!;
    assert.ok(p99 > 0.1 && p99 <= 0.25, `${p99}`);
  });
});

describe('step planning', () => {
  const fleet = Array.from({ length: 10 }, (_, i) => ({ id: `t-${i + 1}`, labels: { ring: i < 2 ? 'internal' : 'external' } }));

  test('dogfood by label, canary by size, waves by share; the last wave takes the rest', () => {
    const playbook = playbookSchema.parse(fastPlaybook({
      phases: { dogfood: { labels: { ring: 'internal' }, soakTime: '1m' }, canary: { size: 1, bakeTime: '1m' }, waves: [{ size: '30%', bakeTime: '1m' }, { size: '30%', bakeTime: '1m' }] },
    }));
    const plan = planSteps(playbook, fleet);
    assert.ok(plan.ok);
    assert.deepEqual(plan.steps.map((s) => [s.name, s.targets.length]), [['dogfood', 2], ['canary', 1], ['wave-1', 3], ['wave-2', 4]]);
  });

  test('selectors that name nothing are errors, not silent skips', () => {
    const playbook = playbookSchema.parse(fastPlaybook({ phases: { canary: { targets: ['t-99'], bakeTime: '1m' }, waves: [{ size: '100%', bakeTime: '1m' }] } }));
    const plan = planSteps(playbook, fleet);
    assert.equal(plan.ok, false);
    assert.deepEqual(!plan.ok && plan.errors, ['phases.canary.targets: no such target in the fleet: t-99', 'phases.canary: selects no target']);
  });
});
