import type { RecordedChange } from '../contract/recovery';
import type { Target } from '../domain/fleet';
import type { DeployAdapters } from './adapters';

/**
 * What a rollout changed, read back from the targets' own install journals: the only record that
 * survives when the rollout's workflow was terminated before it could say. `rollout recover`
 * rolls back exactly these.
 */
export function rolloutChangeActivities(adapters: DeployAdapters) {
  return {
    async readRolloutChanges(args: { rolloutId: string; targets: Target[] }): Promise<RecordedChange[]> {
      return Promise.all(args.targets.map(async (target): Promise<RecordedChange> => {
        const adapter = adapters[target.adapter];
        if (!adapter.installsBy) return { targetId: target.id, journal: false, previousVersion: null, installed: null, at: null };
        const installs = await adapter.installsBy(args.rolloutId, target);
        const first = installs[0];
        const last = installs.at(-1);
        return { targetId: target.id, journal: true, previousVersion: first?.from ?? null, installed: last?.to ?? null, at: last?.at ?? null };
      }));
    },
  };
}
