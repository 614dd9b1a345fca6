import type { RollbackOutcome } from '../contract/rollback';
import { isoNow } from './time';

/**
 * A target the rollback did not touch: it runs `running`, not the `installed` version this
 * rollout put there, so someone else changed it since and reverting it would undo their work.
 * Its end is known (verified), so it does not make a rollback incomplete; it is reported instead.
 */
export function leftAloneOutcome(targetId: string, running: string, installed: string): RollbackOutcome {
  return {
    targetId,
    version: running,
    verified: true,
    detail: `left alone: runs ${running}, not ${installed} that this rollout installed (changed since by someone else)`,
    at: isoNow(),
    leftAlone: { running, installed },
  };
}
