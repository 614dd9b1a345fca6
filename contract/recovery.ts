import { z } from 'zod';
import type { Target } from '../domain/fleet';
import type { TimelineEntry } from '../domain/timeline';
import { commandArgsSchema } from './commandArgs';
import type { RollbackOutcome } from './rollback';

/**
 * `rollout recover`: the repair of a rollout that ended behind Rampart's back (terminated,
 * cancelled, timed out, failed). A workflow of its own (recoveryWorkflowId), so it needs no patch
 * of the rollout's histories; it rolls back through the same rollback workflow a rollout runs.
 */

/** Who recovers and why: the reason is required, since nobody else will remember it. */
export const recoverArgsSchema = z.strictObject({
  by: commandArgsSchema.shape.by,
  reason: z
    .string({ error: 'give the reason for the recovery, e.g. --reason "rollout terminated by mistake"' })
    .trim()
    .min(1, 'give the reason for the recovery, e.g. --reason "rollout terminated by mistake"')
    .max(500, 'keep the reason under 500 characters'),
});
export type RecoverArgs = z.infer<typeof recoverArgsSchema>;

/** What the timeline of a recovery can show. */
export const RECOVERY_EVENTS = ['recovery requested', 'changes found', 'rolling back', 'recovery rolled_back', 'recovery rollback_incomplete'] as const;
export type RecoveryEvent = (typeof RECOVERY_EVENTS)[number];

/** What one target's install journal says the rollout did to it. */
export interface RecordedChange {
  targetId: string;
  /** False when the target's adapter keeps no journal: the rollout's last known status stands in. */
  journal: boolean;
  /** The version the target ran before this rollout's first change (null: none recorded). */
  previousVersion: string | null;
  /** The version this rollout last put there; null when it changed nothing there. */
  installed: string | null;
  /** When that change began. */
  at: string | null;
}

export interface RecoveryInput {
  rolloutId: string;
  by: string;
  reason: string;
  /** How the rollout ended, as the client read it from the execution. */
  interrupted: { how: string; at: string; by: string | null; reason: string | null };
  /** Every target of the rollout's fleet. */
  targets: Target[];
  /** The version the rollout installed: a target now running another one is left alone. */
  installed: string;
  /** Where a target with no recorded previous version goes back to: the fleet's version. */
  fallbackVersion: string;
  maxParallel: number;
  /** The rollout's last answer, per target, for targets whose adapter keeps no journal. */
  lastKnown: { targetId: string; version: string; previousVersion: string | null }[];
}

export interface RecoveryResult {
  rolloutId: string;
  state: 'rolled_back' | 'rollback_incomplete';
  by: string;
  reason: string;
  startedAt: string;
  endedAt: string;
  /** One per target the rollout had changed, newest change first. */
  outcomes: RollbackOutcome[];
  /** Targets the rollout never changed, so nothing was done to them. */
  untouched: string[];
  timeline: TimelineEntry[];
}

/** What a recovery carries in its memo, for readers while it runs. */
export interface RecoveryMemo {
  by: string;
  reason: string;
}
