import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Target } from '../domain/fleet';
import type { TargetSample } from '../domain/metrics';
import type { DeployAdapters } from './adapters';
import type { ChangeResult, HealthProbe, TargetChange } from './adapters/types';
import { artifactInStore } from './verifyArtifact';
import { rollBackIfStillOurs, type RollbackChange, type RollbackResult } from './rollbackGuard';

/** Errors that no retry can fix: they end the attempt at once instead of looping. */
const FINAL_ERRORS = new Set(['ArtifactDigestMismatch', 'ArtifactMissing', 'ArtifactInvalid', 'WebhookRejected', 'ReleaseMissing', 'ConfigurationError']);

export async function withFinalErrors<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof Error && FINAL_ERRORS.has(err.name)) {
      throw ApplicationFailure.nonRetryable(err.message, err.name);
    }
    throw err;
  }
}

/**
 * How often a running install records a heartbeat. The SDK forwards at most one per 0.8 × the
 * heartbeat timeout (workflows/activityProxies.ts, 3 s), so this only has to be well under that:
 * recorded every second, a heartbeat is always waiting when the SDK's window opens.
 */
export const HEARTBEAT_EVERY_MS = 1000;

/** Keeps the activity alive for Temporal while a slow install runs, and lets cancellation reach it. */
export async function heartbeating<T>(run: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ctx = Context.current();
  // None at once: a fast install (noop targets, thousands of them) should cost no heartbeat call at all.
  const timer = setInterval(() => ctx.heartbeat(), HEARTBEAT_EVERY_MS);
  try {
    return await run(ctx.cancellationSignal);
  } finally {
    clearInterval(timer);
  }
}

/** Installs, rollbacks and reads of targets, each through the adapter of its kind. */
export function targetActivities(adapters: DeployAdapters, artifactStore: readonly string[]) {
  const adapterFor = (target: Target) => adapters[target.adapter];
  return {
    async installTarget(change: TargetChange): Promise<ChangeResult> {
      // Checked here as in verifyArtifact: a step started by hand must not install from outside the store either.
      const artifact = change.artifact ? { ...change.artifact, path: await artifactInStore(artifactStore, change.artifact.path) } : undefined;
      const confined = artifact ? { ...change, artifact } : change;
      return withFinalErrors(() => heartbeating((signal) => adapterFor(change.target).install(confined, signal)));
    },

    async rollbackTarget(change: RollbackChange): Promise<RollbackResult> {
      return withFinalErrors(() => heartbeating((signal) => rollBackIfStillOurs(adapterFor(change.target), change, signal)));
    },

    /** What every target runs before anything changes: the last known good state, per target. */
    async readVersions(targets: Target[]): Promise<Record<string, string | null>> {
      const probes = await Promise.all(targets.map((t) => adapterFor(t).probe(t)));
      return Object.fromEntries(probes.map((p) => [p.targetId, p.version]));
    },

    async sampleTargets(targets: Target[]): Promise<TargetSample[]> {
      return Promise.all(targets.map((t) => adapterFor(t).sample(t)));
    },

    /**
     * Confirms a target serves the expected version. Throws while it does not, so Temporal's retry
     * policy does the waiting and a worker crash loses nothing.
     */
    async verifyTargetHealth(args: { target: Target; version: string }): Promise<HealthProbe> {
      const probe = await adapterFor(args.target).probe(args.target);
      if (!probe.up || probe.version !== args.version) {
        throw ApplicationFailure.retryable(
          `${args.target.id} is ${probe.up ? `up on ${probe.version}` : 'not serving'}, expected ${args.version}`,
          'TargetUnhealthy',
        );
      }
      return probe;
    },
  };
}
