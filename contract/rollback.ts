import type { Target } from '../domain/fleet';

export interface RollbackInput {
  rolloutId: string;
  /** Targets to return to their last known good version, newest change first. */
  targets: { target: Target; toVersion: string }[];
  maxParallel: number;
}

export interface RollbackOutcome {
  targetId: string;
  version: string;
  verified: boolean;
  detail: string;
  at: string;
}
