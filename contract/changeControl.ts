import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { z } from 'zod';
import { versionSchema } from '../domain/release';
import { reasonText } from '../domain/freeText';
import { commandArgsSchema } from './commandArgs';

/**
 * Change control: what may not be released, shared by every client, worker and schedule of one
 * task queue. One long-running workflow per task queue keeps it (workflows/changeControl.ts), so
 * the decision is durable, the same for everyone, and its history is the audit trail of who did
 * what and why. This first holds quarantined versions; freezes and stop-the-line join it.
 */

/** A human quarantines or releases a version: who, why. */
export const quarantineArgsSchema = commandArgsSchema.extend({
  version: versionSchema,
  reason: reasonText().refine((r) => r.length > 0, 'give a reason'),
});
export type QuarantineArgs = z.infer<typeof quarantineArgsSchema>;

/** A rollout whose breaker tripped quarantines its version itself (playbook `quarantineOnBreach`). */
export const breakerQuarantineSchema = z.strictObject({
  version: versionSchema,
  rolloutId: z.string().regex(/^[A-Za-z0-9._-]{1,128}$/, 'expected a rollout id of letters, digits, ".", "_" or "-"'),
  reason: reasonText(),
});
export type BreakerQuarantine = z.infer<typeof breakerQuarantineSchema>;

export interface Quarantine {
  version: string;
  reason: string;
  /** A person, or `breaker:<rollout id>` when a tripped breaker quarantined it. */
  by: string;
  at: string;
  rolloutId?: string;
}

/** A quarantine's end: who lifted it and why (never the one who quarantined it). */
export interface QuarantineLifted extends Quarantine {
  liftedBy: string;
  liftedAt: string;
  liftReason: string;
}

/** "version 1.2.0 is quarantined (by alice at …: reason)": why a start or a step of it is refused. */
export function describeQuarantine(q: Quarantine): string {
  return `version ${q.version} is quarantined (by ${q.by} at ${q.at}: ${q.reason})`;
}

export interface ChangeControlState {
  quarantined: Quarantine[];
  /** The latest lifted quarantines, newest last (the workflow's history has all of them). */
  lifted: QuarantineLifted[];
}

/** How many lifted quarantines the state keeps in view. */
export const LIFTED_KEPT = 100;

export interface QuarantineAnswer {
  quarantine: Quarantine;
  /** It was already quarantined: nothing changed. */
  already: boolean;
}

/** Errors the Updates refuse with, by type: the CLI maps them to exit codes. */
export const CHANGE_CONTROL_REFUSED = 'ChangeControlRefused';
export const NOT_QUARANTINED = 'NotQuarantined';

export const quarantineUpdate = defineUpdate<QuarantineAnswer, [QuarantineArgs]>('quarantine');
export const unquarantineUpdate = defineUpdate<QuarantineLifted, [QuarantineArgs]>('unquarantine');
export const breakerQuarantineSignal = defineSignal<[BreakerQuarantine]>('breakerQuarantine');
export const changeControlStateQuery = defineQuery<ChangeControlState>('changeControlState');

export interface ChangeControlInput {
  state: ChangeControlState;
}
