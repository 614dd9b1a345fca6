import type { Target } from '../domain/fleet';

export interface RollbackInput {
  rolloutId: string;
  /** Targets to return to their last known good version, newest change first. */
  targets: { target: Target; toVersion: string }[];
  maxParallel: number;
  /** The version this rollout installed: a target now running another one is left alone, and reported. */
  onlyFrom?: string;
}

export interface RollbackOutcome {
  targetId: string;
  version: string;
  /** The target's end is checked: serving `version` again, or (leftAlone) found on someone else's version. */
  verified: boolean;
  detail: string;
  at: string;
  /** Not touched: it runs `running` (then also `version`), changed by someone else since this rollout installed. */
  leftAlone?: { running: string; installed: string };
}
