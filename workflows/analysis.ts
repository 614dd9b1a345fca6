import type { Target } from '../domain/fleet';
import { evaluateGate, measureGroup, type GateResult } from '../domain/evaluateGate';
import { sumWindows, windowBetween, type TargetSample } from '../domain/metrics';
import type { Playbook } from '../domain/playbook';
import type { TargetHealth } from '../domain/rolloutStatus';
import { reads } from './activityProxies';

/** Canary analysis samples at most this many targets per group, so history stays bounded. */
export const MAX_ANALYSED_PER_GROUP = 100;

/** Evenly spread, deterministic subset: the same targets are read every window. */
export function spreadSample<T>(items: T[], max = MAX_ANALYSED_PER_GROUP): T[] {
  if (items.length <= max) return items;
  const stride = items.length / max;
  return Array.from({ length: max }, (_, i) => items[Math.floor(i * stride)] as T);
}

/** Compares the new version's targets with the old version's over one window of counters. */
export class HealthAnalysis {
  private previous = new Map<string, TargetSample>();

  constructor(
    private readonly candidates: Target[],
    private readonly baseline: Target[],
    private readonly health: Playbook['health'],
  ) {}

  /** Reads every analysed target once so the first window has a starting point. */
  async start(): Promise<void> {
    await this.read();
  }

  async evaluate(): Promise<GateResult> {
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

  /** What each analysed target looked like at the last read. */
  lastSeen(at: string): Record<string, TargetHealth> {
    return Object.fromEntries([...this.previous.values()].map((s) => [s.id, { up: s.up, version: s.version ?? null, checkedAt: at }]));
  }

  private async read(): Promise<void> {
    const samples = await reads.sampleTargets([...this.candidates, ...this.baseline]);
    this.previous = new Map(samples.map((s) => [s.id, s]));
  }
}
