import { defineSignal, defineUpdate } from '@temporalio/workflow';
import { z } from 'zod';
import { durationBetween, DAY, MINUTE } from '../domain/duration';
import { lineText, reasonText } from '../domain/freeText';
import { commandArgsSchema } from './commandArgs';

/**
 * Freezes (blackout windows): times when no rollout starts and no running rollout takes its next
 * step. The calendar lives in change control's record (workflows/changeControl.ts), so every
 * client, worker and train of a task queue sees the same one and its history is the audit trail.
 * The shapes here are structural only, so the workflow can check what it is sent: whether a
 * time zone exists, whether an RRULE parses and when a window is in force are decided outside
 * workflow code (domain/freezeCalendar.ts), never in it.
 */

export const freezeNameSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,47}$/, 'expected a lower-case name of letters, digits and "-", at most 48 characters');

/** "2026-12-24T00:00" (or with seconds): a wall-clock time in the freeze's time zone. */
export const localDateTimeSchema = z
  .string({ error: 'expected a local date and time such as "2026-12-24T00:00"' })
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/, 'expected a local date and time such as "2026-12-24T00:00" (no offset: the time zone says it)')
  .refine((text) => {
    const [date, time] = text.split('T') as [string, string];
    const [y, mo, d] = date.split('-').map(Number) as [number, number, number];
    const [h, mi, s = 0] = time.split(':').map(Number) as [number, number, number?];
    const day = new Date(Date.UTC(y, mo - 1, d));
    return day.getUTCFullYear() === y && day.getUTCMonth() === mo - 1 && day.getUTCDate() === d && h < 24 && mi < 60 && s < 60;
  }, 'expected a date and time that exists on the calendar');

const labelKey = z.string().regex(/^[A-Za-z0-9._/-]{1,63}$/, 'expected a label name of letters, digits, ".", "_", "/" or "-"');

/** Whom a freeze holds: every fleet, one fleet by name, or the targets carrying all the given labels. */
export const freezeScopeSchema = z.union([
  z.literal('all'),
  z.strictObject({ fleet: z.string().min(1).max(100) }),
  z.strictObject({ labels: z.record(labelKey, z.string().max(200)).refine((l) => Object.keys(l).length > 0, 'name at least one label') }),
], { error: 'expected "all", { fleet: NAME } or { labels: { KEY: VALUE } }' });
export type FreezeScope = z.infer<typeof freezeScopeSchema>;

/** Longest single window a freeze may have: longer is a policy, not a freeze. */
export const MAX_FREEZE_WINDOW = 92 * DAY;

export const freezeRuleShape = z
  .strictObject({
    name: freezeNameSchema,
    reason: reasonText().min(1, 'say why nothing may be released then'),
    timeZone: z.string().min(1).max(64),
    scope: freezeScopeSchema.default('all'),
    /** A one-off window: from and until, local times in the zone. */
    from: localDateTimeSchema.optional(),
    until: localDateTimeSchema.optional(),
    /** A recurring window: an RFC 5545 RRULE from `start` (its DTSTART, local), each window lasting `duration`. */
    rrule: z.string().min(1).max(500).optional(),
    start: localDateTimeSchema.optional(),
    duration: durationBetween(MINUTE, MAX_FREEZE_WINDOW).optional(),
    description: lineText().optional(),
  })
  .superRefine((rule, ctx) => {
    const oneOff = rule.from !== undefined || rule.until !== undefined;
    const recurring = rule.rrule !== undefined || rule.start !== undefined || rule.duration !== undefined;
    if (oneOff && recurring) ctx.addIssue({ code: 'custom', path: ['rrule'], message: 'a freeze is either one-off (from, until) or recurring (rrule, start, duration), not both' });
    else if (oneOff) {
      for (const field of ['from', 'until'] as const) if (rule[field] === undefined) ctx.addIssue({ code: 'custom', path: [field], message: `a one-off freeze needs ${field}` });
      if (rule.from !== undefined && rule.until !== undefined && rule.from >= rule.until) ctx.addIssue({ code: 'custom', path: ['until'], message: 'until must be after from' });
    } else if (recurring) {
      for (const field of ['rrule', 'start', 'duration'] as const) if (rule[field] === undefined) ctx.addIssue({ code: 'custom', path: [field], message: `a recurring freeze needs ${field}` });
    } else ctx.addIssue({ code: 'custom', path: ['from'], message: 'give from and until (a one-off freeze) or rrule, start and duration (a recurring one)' });
  });
export type FreezeRuleInput = z.input<typeof freezeRuleShape>;

/** A freeze as the record keeps it: the rule, where it came from, who put it there and when. */
export type FreezeRule = z.output<typeof freezeRuleShape> & {
  /** `file`: from `freeze apply` (the next apply replaces it); `added`: from `freeze add`. */
  source: 'file' | 'added';
  addedBy: string;
  addedAt: string;
};

/** A break-glass past every freeze for one rollout, for a bounded time (domain/breakGlass.ts). */
export interface FreezeOverride {
  rolloutId: string;
  requestedBy: string;
  approver: string;
  reason: string;
  at: string;
  until: string;
}

/** A freeze in force now, as the activity or the client found it: when it ends, in UTC and in its zone. */
export interface ActiveFreeze {
  name: string;
  reason: string;
  scope: FreezeScope;
  timeZone: string;
  /** ISO instant (UTC) the window ends; chained windows count as one. */
  until: string;
  /** The same end in the freeze's own zone, as people there read it. */
  untilLocal: string;
}

/** What a rollout's step boundary learns: the freezes in force for its fleet, and a break-glass past them. */
export interface FreezeCheck {
  inForce: ActiveFreeze[];
  override: FreezeOverride | null;
}

/** Whether a freeze holds the given targets of the given fleet. Plain data, no clock: workflows use it too. */
export function freezeCovers(scope: FreezeScope, fleet: string, targets: ReadonlyArray<{ labels?: Record<string, string> }>): boolean {
  if (scope === 'all') return true;
  if ('fleet' in scope) return scope.fleet === fleet;
  return targets.some((t) => Object.entries(scope.labels).every(([k, v]) => t.labels?.[k] === v));
}

/** Whether it holds a whole fleet at once (all, or that fleet): such a freeze refuses a start; a labels freeze holds only its steps. */
export function freezeHoldsFleet(scope: FreezeScope, fleet: string): boolean {
  return scope === 'all' || ('fleet' in scope && scope.fleet === fleet);
}

/** 'freeze "year-end" (holiday change freeze) until 2027-01-04T14:00:00Z (09:00 America/New_York)'. */
export function describeFreeze(f: Omit<ActiveFreeze, 'scope'>): string {
  return `freeze "${f.name}" (${f.reason}) until ${f.until} (${f.untilLocal} ${f.timeZone})`;
}

export const freezeCalendarArgsSchema = commandArgsSchema.extend({
  freezes: z.array(freezeRuleShape).max(200, 'expected at most 200 freezes'),
});
export type FreezeCalendarArgs = z.input<typeof freezeCalendarArgsSchema>;

export const addFreezeArgsSchema = commandArgsSchema.extend({ freeze: freezeRuleShape });
export type AddFreezeArgs = z.input<typeof addFreezeArgsSchema>;

export const removeFreezeArgsSchema = commandArgsSchema.extend({ name: freezeNameSchema, reason: reasonText().min(1, 'give a reason') });
export type RemoveFreezeArgs = z.infer<typeof removeFreezeArgsSchema>;

const rolloutIdSchema = z.string().regex(/^[A-Za-z0-9._-]{1,128}$/, 'expected a rollout id of letters, digits, ".", "_" or "-"');

/** `freeze override`: requester (`by`), approver, reason, how long. The approver must not be the requester. */
export const overrideFreezeArgsSchema = commandArgsSchema.extend({
  rolloutId: rolloutIdSchema,
  approver: commandArgsSchema.shape.by,
  reason: reasonText().min(1, 'say why the freeze must be broken'),
  lastsMs: z.number().int().min(MINUTE).max(DAY, 'a break-glass lasts at most 24 h'),
});
export type OverrideFreezeArgs = z.infer<typeof overrideFreezeArgsSchema>;

export interface FreezeCalendarAnswer {
  /** Names added, changed and removed by this apply; all empty: nothing changed. */
  added: string[];
  changed: string[];
  removed: string[];
}

export const FREEZE_REFUSED = 'FreezeRefused';
export const FREEZE_NOT_FOUND = 'FreezeNotFound';

export const setFreezeCalendarUpdate = defineUpdate<FreezeCalendarAnswer, [FreezeCalendarArgs]>('setFreezeCalendar');
export const addFreezeUpdate = defineUpdate<FreezeRule, [AddFreezeArgs]>('addFreeze');
export const removeFreezeUpdate = defineUpdate<FreezeRule, [RemoveFreezeArgs]>('removeFreeze');
export const overrideFreezeUpdate = defineUpdate<FreezeOverride, [OverrideFreezeArgs]>('overrideFreeze');

/** Tells a rollout waiting at a freeze to look again now (a freeze removed, a break-glass granted). */
export const freezeChangedSignal = defineSignal<[]>('freezeChanged');
