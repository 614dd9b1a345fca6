import { ActivityFailure, patched } from '@temporalio/workflow';
import type { Target } from '../domain/fleet';
import { evaluateGate, measureGroup, type GateResult } from '../domain/evaluateGate';
import { sumWindows, windowBetween, type TargetSample, type TargetSeen } from '../domain/metrics';
import type { Playbook } from '../domain/playbook';
import type { TargetHealth } from '../domain/rolloutStatus';
import type { AnalysisState } from '../contract/step';
import { localReads, reads } from './activityProxies';
import { boundedWait } from './time';

/** Canary analysis samples at most this many targets per group, so history stays bounded. */
export const MAX_ANALYSED_PER_GROUP = 100;

/** Evenly spread, deterministic subset: the same targets are read every window. */
export function spreadSample<T>(items: T[], max = MAX_ANALYSED_PER_GROUP): T[] {
  if (items.length <= max) return items;
  const stride = items.length / max;
  return Array.from({ length: max }, (_, i) => items[Math.floor(i * stride)] as T);
}

type PrometheusProvider = Extract<Playbook['health']['provider'], { type: 'prometheus' }>;

/**
 * Compares the new version's targets with the old version's over one window of counters, read
 * from each target's /metrics (provider "metrics") or asked of Prometheus (provider "prometheus").
 */
export class HealthAnalysis {
  private previous = new Map<string, TargetSample>();
  /** Prometheus provider: where the current window began (workflow time) and what it last saw. */
  private windowStart = 0;
  private seen: Record<string, TargetSeen> | undefined;

  constructor(
    private readonly candidates: Target[],
    private readonly baseline: Target[],
    private readonly health: Playbook['health'],
  ) {}

  /**
   * Rollouts started before health.provider existed carry no provider in their input: they keep
   * the /metrics path, whose commands are unchanged, so their histories replay as before.
   */
  private get prometheus(): PrometheusProvider | undefined {
    const provider = this.health.provider as Playbook['health']['provider'] | undefined;
    return provider?.type === 'prometheus' ? provider : undefined;
  }

  /** Where the analysis stands, for the step's next run after a continue-as-new. */
  snapshot(): AnalysisState {
    return { previous: [...this.previous.values()], windowStart: this.windowStart, seen: this.seen ?? null };
  }

  /** Picks up where an earlier run's analysis stood: no extra read, the next window is a whole one. */
  restore(state: AnalysisState): void {
    this.previous = new Map(state.previous.map((s) => [s.id, s]));
    this.windowStart = state.windowStart;
    this.seen = state.seen ?? undefined;
  }

  /** Reads every analysed target once so the first window has a starting point. */
  async start(): Promise<void> {
    if (this.prometheus) {
      this.windowStart = Date.now();
      return;
    }
    await this.read();
  }

  async evaluate(): Promise<GateResult> {
    const prometheus = this.prometheus;
    if (prometheus) return this.evaluateWithPrometheus(prometheus);
    const before = this.previous;
    await this.read();
    const group = (targets: Target[]) => {
      const samples = targets.map((t) => this.previous.get(t.id)).filter((s): s is TargetSample => s !== undefined);
      const down = samples.filter((s) => !s.up).map((s) => s.id);
      const windows = samples.filter((s) => s.up).map((s) => windowBetween(before.get(s.id), s));
      return measureGroup(sumWindows(windows), targets.length, down);
    };
    const baseline = this.baseline.length > 0 ? group(this.baseline) : null;
    return evaluateGate(this.health, group(this.candidates), baseline);
  }

  /**
   * One window from PromQL: by default exactly the time since the previous evaluation (so the first
   * window starts after the installs), or the playbook's fixed window. Prometheus still unreachable
   * after the read retries is "insufficient": it neither passes a step nor trips the breaker, and a
   * bake that ends without data breaches as any other step without enough samples does.
   */
  private async evaluateWithPrometheus(provider: PrometheusProvider): Promise<GateResult> {
    const now = Date.now();
    const windowSeconds = Math.max(1, Math.ceil(boundedWait(provider.window ?? now - this.windowStart, 0) / 1000));
    this.windowStart = now;
    const candidates = this.candidates.map((t) => t.id);
    try {
      const measured = await reads.measureWithPrometheus({
        prometheusUrl: provider.url,
        candidates,
        baseline: this.baseline.map((t) => t.id),
        windowSeconds,
        at: now / 1000,
        ...(provider.job ? { job: provider.job } : {}),
      });
      this.seen = measured.seen;
      return evaluateGate(this.health, measured.candidate, measured.baseline);
    } catch (err) {
      if (!(err instanceof ActivityFailure)) throw err;
      const candidate = { targets: candidates.length, down: [], requests: 0, errorRate: null, p99LatencyMs: null };
      return { verdict: 'insufficient', reasons: [`Prometheus could not be asked: ${err.cause?.message ?? err.message}`], candidate, baseline: null, nearMiss: false };
    }
  }

  /** What each analysed target looked like at the last read. */
  lastSeen(at: string): Record<string, TargetHealth> {
    if (this.seen) {
      return Object.fromEntries(Object.entries(this.seen).map(([id, s]) => [id, { up: s.up, version: s.version, checkedAt: at }]));
    }
    return Object.fromEntries([...this.previous.values()].map((s) => [s.id, { up: s.up, version: s.version ?? null, checkedAt: at }]));
  }

  private async read(): Promise<void> {
    const targets = [...this.candidates, ...this.baseline];
    const samples = patched('health-reads-local') ? await localReads.sampleTargets(targets) : await reads.sampleTargets(targets);
    this.previous = new Map(samples.map((s) => [s.id, s]));
  }
}
