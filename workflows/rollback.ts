import { changeKey } from '../domain/rolloutInput';
import { healthChecks, targetActions } from './activityProxies';
import { leftAloneOutcome } from './rollbackLeftAlone';
import { isoNow } from './time';
import type { RollbackInput, RollbackOutcome } from '../contract/rollback';

/**
 * Returns every changed target to its previous version, newest change first, and checks each
 * with a health probe: a rollback nobody verified is not a rollback.
 */
export async function rollbackWorkflow(input: RollbackInput): Promise<RollbackOutcome[]> {
  const queue = [...input.targets];
  const outcomes: RollbackOutcome[] = [];
  const lane = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      const { target, toVersion } = next;
      try {
        const result = await targetActions.rollbackTarget({
          key: changeKey(input.rolloutId, target.id, toVersion, 'rollback'),
          rolloutId: input.rolloutId,
          step: 'rollback',
          target,
          version: toVersion,
          ...(input.onlyFrom !== undefined ? { onlyFrom: input.onlyFrom } : {}),
        });
        if (result.leftAlone && input.onlyFrom !== undefined) {
          outcomes.push(leftAloneOutcome(target.id, result.leftAlone.running, input.onlyFrom));
          continue;
        }
        await healthChecks.verifyTargetHealth({ target, version: toVersion });
        outcomes.push({ targetId: target.id, version: toVersion, verified: true, detail: 'serving again', at: isoNow() });
      } catch (err) {
        const detail = err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
        outcomes.push({ targetId: target.id, version: toVersion, verified: false, detail, at: isoNow() });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(input.maxParallel, queue.length)) }, lane));
  return outcomes;
}
