import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { z } from 'zod';
import { versionSchema } from '../domain/release';
import { reasonText } from '../domain/freeText';
import { commandArgsSchema } from './commandArgs';
import type { FreezeOverride, FreezeRule } from './freeze';

/**
 * Change control: what may not be released, shared by every client, worker and schedule of one
 * task queue. One long-running workflow per task queue keeps it (workflows/changeControl.ts), so
 * the decision is durable, the same for everyone, and its history is the audit trail of who did
 * what and why. It holds quarantined versions, the stopped line (`freeze now`), and which
 * rollouts run (each is admitted at planning and leaves when it ends), so stopping the line
 * reaches every one of them without waiting for visibility to catch up.
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

const rolloutIdSchema = z.string().regex(/^[A-Za-z0-9._-]{1,128}$/, 'expected a rollout id of letters, digits, ".", "_" or "-"');

/** `rampart freeze now`: every running rollout stopped (held, or rolled back), no new start until lifted. */
export const stopTheLineArgsSchema = commandArgsSchema.extend({
  reason: reasonText().refine((r) => r.length > 0, 'give a reason'),
  then: z.enum(['hold', 'rollback'], { error: 'expected hold or rollback' }).default('hold'),
});
export type StopTheLineArgs = z.input<typeof stopTheLineArgsSchema>;

export const liftLineArgsSchema = commandArgsSchema.extend({ reason: reasonText().refine((r) => r.length > 0, 'give a reason') });
export type LiftLineArgs = z.infer<typeof liftLineArgsSchema>;

/** A rollout asks to start (its planning): admitted and counted as running, or refused with why. */
export const admitRolloutSchema = z.strictObject({ rolloutId: rolloutIdSchema, version: versionSchema });
export type AdmitRollout = z.infer<typeof admitRolloutSchema>;
export const rolloutEndedSchema = z.strictObject({ rolloutId: rolloutIdSchema });

export interface LineStop {
  by: string;
  reason: string;
  at: string;
  then: 'hold' | 'rollback';
}

export type Admission = { admitted: true } | { admitted: false; reason: string };

export interface StopTheLineAnswer {
  line: LineStop;
  /** The line was already stopped: nothing changed but who asked. */
  already: boolean;
  /** Every rollout admitted and not yet ended when the line stopped: the ones to stop now. */
  running: string[];
}

/** "every rollout is stopped (by alice at …: reason)": why a start is refused while the line is stopped. */
export function describeLineStop(line: LineStop): string {
  return `the line is stopped (by ${line.by} at ${line.at}: ${line.reason}); nothing starts until "rampart freeze lift"`;
}

export interface ChangeControlState {
  quarantined: Quarantine[];
  /** The latest lifted quarantines, newest last (the workflow's history has all of them). */
  lifted: QuarantineLifted[];
  /** Set by `freeze now`, cleared by `freeze lift`; absent on records from before stop-the-line. */
  line?: LineStop | null;
  /** Rollouts admitted and not yet ended, by id. */
  running?: string[];
  /** The freeze calendar (contract/freeze.ts); absent on records from before freezes. */
  freezes?: FreezeRule[];
  /** Break-glass past the freezes, per rollout, until each ends (expired ones are dropped). */
  freezeOverrides?: FreezeOverride[];
}

/** The record of a task queue where nothing was ever quarantined or stopped. */
export const EMPTY_CHANGE_CONTROL: ChangeControlState = { quarantined: [], lifted: [], line: null, running: [], freezes: [], freezeOverrides: [] };

/**
 * Why a rollout of `version` may not start or take its next step, from the record, or null: its
 * version quarantined (a quarantine by `ownRolloutId`'s own breaker excepted), or the line stopped.
 */
export function changeControlBar(state: ChangeControlState, version: string, ownRolloutId?: string): { quarantine: Quarantine; reason: string } | { quarantine: null; reason: string } | null {
  const q = state.quarantined.find((x) => x.version === version && (ownRolloutId === undefined || x.rolloutId !== ownRolloutId));
  if (q) return { quarantine: q, reason: describeQuarantine(q) };
  return state.line ? { quarantine: null, reason: describeLineStop(state.line) } : null;
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
export const stopTheLineUpdate = defineUpdate<StopTheLineAnswer, [StopTheLineArgs]>('stopTheLine');
export const liftLineUpdate = defineUpdate<LineStop & { liftedBy: string; liftedAt: string; liftReason: string }, [LiftLineArgs]>('liftLine');
export const admitRolloutUpdate = defineUpdate<Admission, [AdmitRollout]>('admitRollout');
export const rolloutEndedSignal = defineSignal<[{ rolloutId: string }]>('rolloutEnded');
export const LINE_NOT_STOPPED = 'LineNotStopped';

export interface ChangeControlInput {
  state: ChangeControlState;
}
