import type { Playbook } from './playbook';
import { histogramQuantile, type WindowCounts } from './metrics';

export interface GroupMeasurement {
  targets: number;
  down: string[];
  requests: number;
  errorRate: number | null;
  p99LatencyMs: number | null;
}

export interface GateResult {
  verdict: 'pass' | 'breach' | 'insufficient';
  reasons: string[];
  candidate: GroupMeasurement;
  baseline: GroupMeasurement | null;
  /** True when a measurement came within 20% of its limit: a near miss worth reporting. */
  nearMiss: boolean;
}

export function measureGroup(counts: WindowCounts, targets: number, down: string[]): GroupMeasurement {
  const p99 = histogramQuantile(0.99, counts.buckets);
  return {
    targets,
    down,
    requests: counts.requests,
    errorRate: counts.requests > 0 ? counts.errors / counts.requests : null,
    p99LatencyMs: p99 === undefined ? null : Math.round(p99 * 1000),
  };
}

const pct = (ratio: number) => `${(ratio * 100).toFixed(1)}%`;

/**
 * Judges one analysis window: the candidate group (new version) against absolute limits and
 * against the baseline (targets still on the old version) where one exists.
 */
export function evaluateGate(health: Playbook['health'], candidate: GroupMeasurement, baseline: GroupMeasurement | null): GateResult {
  const reasons: string[] = [];
  let nearMiss = false;
  const check = (value: number, limit: number, breach: string) => {
    if (value > limit) reasons.push(breach);
    else if (limit > 0 && value > limit * 0.8) nearMiss = true;
  };

  if (candidate.down.length > 0) reasons.push(`targets not serving: ${candidate.down.join(', ')}`);
  if (candidate.errorRate !== null) {
    check(candidate.errorRate, health.errorRate.max, `error rate ${pct(candidate.errorRate)} above limit ${pct(health.errorRate.max)}`);
    const { maxIncrease } = health.errorRate;
    if (maxIncrease !== undefined && baseline?.errorRate != null) {
      check(candidate.errorRate - baseline.errorRate, maxIncrease,
        `error rate ${pct(candidate.errorRate)} exceeds baseline ${pct(baseline.errorRate)} by more than ${pct(maxIncrease)}`);
    }
  }
  const latency = health.p99LatencyMs;
  if (latency && candidate.p99LatencyMs !== null) {
    if (latency.max !== undefined) {
      check(candidate.p99LatencyMs, latency.max, `p99 latency ${candidate.p99LatencyMs}ms above limit ${latency.max}ms`);
    }
    if (latency.maxRatio !== undefined && baseline?.p99LatencyMs) {
      check(candidate.p99LatencyMs / baseline.p99LatencyMs, latency.maxRatio,
        `p99 latency ${candidate.p99LatencyMs}ms is more than ${latency.maxRatio}x baseline ${baseline.p99LatencyMs}ms`);
    }
  }
  if (reasons.length > 0) return { verdict: 'breach', reasons, candidate, baseline, nearMiss: false };
  if (candidate.requests < health.minSamples) {
    return {
      verdict: 'insufficient',
      reasons: [`only ${candidate.requests} requests on the new version, ${health.minSamples} needed`],
      candidate, baseline, nearMiss,
    };
  }
  return { verdict: 'pass', reasons: [], candidate, baseline, nearMiss };
}
