import type { RolloutInput } from '../../domain/rolloutInput';

export const FROM_VERSION = '1.0.0';
export const TO_VERSION = '2.0.0';

export interface Artifact {
  path: string;
  sha256: string;
}

/** `size` dry-run targets (adapter 'noop'); the prefix keeps every rollout's targets apart in the noop adapter's memory. */
export function noopFleet(prefix: string, size: number) {
  return {
    name: 'bench-noop',
    version: FROM_VERSION,
    targets: Array.from({ length: size }, (_, i) => ({ id: `${prefix}-n-${i + 1}`, adapter: 'noop' as const, labels: {} })),
  };
}

/** What every bench playbook shares: planning on noop targets, a lenient gate, rollback on breach. */
export function benchPlaybook(name: string, method: string, risk: string, rest: Record<string, unknown>): Record<string, unknown> {
  return {
    name,
    method,
    cadence: 'ad-hoc',
    planning: {
      riskAssessment: { level: 'low', summary: 'benchmark on noop targets' },
      preMortem: [risk],
      successCriteria: ['every target on the new version'],
    },
    health: { errorRate: { max: 0.1 }, minSamples: 10, analysisInterval: '1s', consecutiveBreaches: 2 },
    onBreach: 'rollback',
    ...rest,
  };
}

/** A direct rollout (one 100% wave, no canary needed) with no bake time: what is left is the engine. */
export function directPlaybook(maxParallel: number): Record<string, unknown> {
  return benchPlaybook('bench-direct', 'direct', 'the engine itself is too slow', {
    phases: { waves: [{ size: '100%', bakeTime: '0s', maxParallel }] },
    maxParallel,
  });
}

export function noopRolloutInput(rolloutId: string, prefix: string, size: number, maxParallel: number, artifact: Artifact): RolloutInput {
  return {
    rolloutId,
    playbook: directPlaybook(maxParallel),
    fleet: noopFleet(prefix, size),
    release: { version: TO_VERSION, artifactPath: artifact.path, sha256: artifact.sha256, notes: `bench release ${TO_VERSION}` },
    startedBy: 'bench',
  };
}
