import { z } from 'zod';
import { HOUR, MINUTE, durationBetween } from './duration';
import { lineText, reasonText } from './freeText';

/**
 * Break-glass: going past a change-control rule (a review past its date now; a freeze later) on
 * the word of two people. The requester says why; an approver other than the requester agrees.
 * It is never silent: whatever it overrode is recorded with it (the rollout's timeline, and its
 * input in the workflow history, which is the audit trail).
 */

/** A user name as commands carry it (`--by`, `--approver`). */
const userName = z.string().regex(/^[A-Za-z0-9._@-]{1,64}$/, 'expected a user name of letters, digits, ".", "_", "@" or "-"');

export const breakGlassSchema = z.strictObject({
  reason: reasonText().min(1, 'say why the rule must be broken'),
  approver: userName,
  requestedBy: userName,
});

export type BreakGlass = z.infer<typeof breakGlassSchema>;

/** The longest an override lasts where one lasts at all (e.g. a freeze's): it is an exception, not a new rule. */
export const BREAK_GLASS_LIMITS = { duration: { min: MINUTE, max: 24 * HOUR } } as const;

/** A break-glass that holds for a while (a freeze override): its length, 1 min to 24 h. */
export const lastingBreakGlassSchema = breakGlassSchema.extend({
  lasts: durationBetween(BREAK_GLASS_LIMITS.duration.min, BREAK_GLASS_LIMITS.duration.max),
});

/** A break-glass as a start records it: what it overrode, one line each ("playbooks/x.yaml: review was due 2026-11-01"). */
export const startBreakGlassSchema = breakGlassSchema.extend({
  overrides: z.array(lineText().min(1)).min(1).max(20),
});

export type StartBreakGlass = z.infer<typeof startBreakGlassSchema>;

/**
 * Four eyes: the refusal when the approver is the requester (names compared without case, so
 * "Alice" cannot approve "alice"), or null. A refusal, not bad input: the CLI exits 3.
 */
export function breakGlassRefusal(b: Pick<BreakGlass, 'approver' | 'requestedBy'>): string | null {
  return b.approver.toLowerCase() === b.requestedBy.toLowerCase()
    ? `break-glass refused: the approver (${b.approver}) must be someone other than the requester (${b.requestedBy})`
    : null;
}

/** When a lasting override ends. */
export function breakGlassEndsAt(grantedAt: Date, lastsMs: number): Date {
  return new Date(grantedAt.getTime() + lastsMs);
}

/** One line for a record (timeline detail, incident details): who approved it for whom, and what it overrode. */
export function describeBreakGlass(b: StartBreakGlass): string {
  return `approved by ${b.approver} for ${b.requestedBy}; overrides ${b.overrides.join('; ')}`;
}
