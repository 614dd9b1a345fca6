import type { Target } from '../../../domain/fleet';
import { LATENCY_BUCKETS_S, type TargetSample } from '../../../domain/metrics';
import type { ChangeResult, DeployAdapter, FeatureChange, FeatureResult, HealthProbe, TargetChange } from '../types';

/**
 * Changes nothing and is healthy at once (its metrics show perfect traffic): for dry runs, and for measuring what the engine itself
 * costs. It still behaves like a real target where the engine can tell: a repeated key is a
 * replay, probe reports the version last installed and featureStates the switches last set (in
 * this process's memory).
 */
export class NoopAdapter implements DeployAdapter {
  private readonly versions = new Map<string, string>();
  private readonly results = new Map<string, ChangeResult>();
  private readonly reads = new Map<string, number>();
  private readonly features = new Map<string, Record<string, boolean>>();
  private readonly featureResults = new Map<string, FeatureResult>();

  async install(change: TargetChange): Promise<ChangeResult> {
    return this.apply(change);
  }

  async rollback(change: TargetChange): Promise<ChangeResult> {
    return this.apply(change);
  }

  async setFeature(change: FeatureChange): Promise<FeatureResult> {
    const seen = this.featureResults.get(change.key);
    if (seen) return { ...seen, replayed: true };
    const result: FeatureResult = { targetId: change.target.id, feature: change.feature, enabled: change.enabled, replayed: false };
    this.features.set(change.target.id, { ...this.features.get(change.target.id), [change.feature]: change.enabled });
    this.featureResults.set(change.key, result);
    return result;
  }

  /** The switches last set on this target; a feature never set is on. */
  featureStates(targetId: string): Record<string, boolean> {
    return { ...this.features.get(targetId) };
  }

  async probe(target: Target): Promise<HealthProbe> {
    return { targetId: target.id, up: true, version: this.versions.get(target.id) ?? null };
  }

  /** Perfect health: every read reports 100 more fast, successful requests, so dry runs pass their gates. */
  async sample(target: Target): Promise<TargetSample> {
    const version = this.versions.get(target.id);
    const requests = ((this.reads.get(target.id) ?? 0) + 1) * NoopAdapter.REQUESTS_PER_READ;
    this.reads.set(target.id, requests / NoopAdapter.REQUESTS_PER_READ);
    return {
      id: target.id,
      up: true,
      ...(version === undefined ? {} : { version }),
      requests,
      errors: 0,
      buckets: new Array<number>(LATENCY_BUCKETS_S.length + 1).fill(requests),
    };
  }

  static readonly REQUESTS_PER_READ = 100;

  private apply(change: TargetChange): ChangeResult {
    const seen = this.results.get(change.key);
    if (seen) return { ...seen, replayed: true };
    const result: ChangeResult = {
      targetId: change.target.id,
      version: change.version,
      previousVersion: this.versions.get(change.target.id) ?? null,
      replayed: false,
    };
    this.versions.set(change.target.id, change.version);
    this.results.set(change.key, result);
    return result;
  }
}
