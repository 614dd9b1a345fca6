import type { Target } from '../../domain/fleet';
import type { TargetSample } from '../../domain/metrics';

/** One install or rollback on one target. `key` is unique per (rollout, target, version, step). */
export interface TargetChange {
  key: string;
  rolloutId: string;
  step: string;
  target: Target;
  /** Version the target must run once the change is done. */
  version: string;
  /** Artifact to unpack (install only; a rollback switches back to a release already on the target). */
  artifact?: { path: string; sha256: string };
}

export interface ChangeResult {
  targetId: string;
  version: string;
  previousVersion: string | null;
  /** True when this key had already been carried out: nothing was done again. */
  replayed: boolean;
}

/**
 * Switches one feature on or off on one target (graceful degradation: instead of, or before, a
 * rollback). `key` is unique per (rollout, target, feature, step); the state is absolute, so
 * applying it again is harmless, but a repeated key is still reported as a replay.
 */
export interface FeatureChange {
  key: string;
  rolloutId: string;
  target: Target;
  /** A feature name such as "new-checkout" (domain/release.ts featureNameSchema). */
  feature: string;
  enabled: boolean;
}

export interface FeatureResult {
  targetId: string;
  feature: string;
  enabled: boolean;
  /** True when this key had already been carried out: nothing was done again. */
  replayed: boolean;
}

export interface HealthProbe {
  targetId: string;
  up: boolean;
  version: string | null;
  detail?: string;
}

/**
 * How Rampart drives one kind of deploy target. Every method is safe to call again with the same
 * key: activities run at least once, so a retried install must not install twice.
 */
export interface DeployAdapter {
  install(change: TargetChange, signal?: AbortSignal): Promise<ChangeResult>;
  rollback(change: TargetChange, signal?: AbortSignal): Promise<ChangeResult>;
  /** Switches a feature on the target; takes effect without a restart or install. */
  setFeature(change: FeatureChange, signal?: AbortSignal): Promise<FeatureResult>;
  probe(target: Target): Promise<HealthProbe>;
  /** Cumulative request counters from the target's metrics; `up: false` when unreachable. */
  sample(target: Target): Promise<TargetSample>;
  /**
   * The installs one rollout recorded on the target, oldest first, from the adapter's own
   * journal; absent on adapters that keep none (`rollout recover` then reads the rollout's status).
   */
  installsBy?(rolloutId: string, target: Target): Promise<{ from: string | null; to: string; at: string }[]>;
}
