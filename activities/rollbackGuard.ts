import type { ChangeResult, DeployAdapter, TargetChange } from './adapters/types';

/** A rollback of one target; `onlyFrom`: the version this rollout installed there. */
export interface RollbackChange extends TargetChange {
  onlyFrom?: string;
}

export interface RollbackResult extends ChangeResult {
  /** Set when the target was not touched: it runs `running`, put there by someone else since. */
  leftAlone?: { running: string };
}

/**
 * A rollback reverts only what its rollout installed. A target that reports a version other than
 * that one (and other than the one it goes back to, which a retried rollback finds) was changed by
 * someone else since, another rollout or a human, and reverting it would undo their change: it is
 * left alone and reported. A target that reports no version (down, or crashed by the release
 * this rollout installed) cannot prove anyone else touched it, so it is rolled back.
 */
export async function rollBackIfStillOurs(adapter: DeployAdapter, change: RollbackChange, signal: AbortSignal): Promise<RollbackResult> {
  if (change.onlyFrom !== undefined) {
    const { version: running } = await adapter.probe(change.target);
    if (running !== null && running !== change.onlyFrom && running !== change.version) {
      return { targetId: change.target.id, version: running, previousVersion: running, replayed: false, leftAlone: { running } };
    }
  }
  return adapter.rollback(change, signal);
}
