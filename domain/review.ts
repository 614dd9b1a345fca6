import { z } from 'zod';
import { DAY } from './duration';
import { nameText } from './freeText';

/**
 * Change control's record on a reviewed document (a playbook, an escalation policy file, a
 * release train): who approved it, when, and the date by which it must be reviewed again. The
 * block reads the same in every kind of file (a top-level `review:`), so one reader lists them all
 * (`rampart review due`) and one check guards every start path (`checkReviewDue`).
 *
 * Dates are calendar days in UTC: a review is good through the whole of its `reviewBy` day and due
 * from the day after. The rules that need today's date (approvedAt not in the future) are not in
 * the schema: the workflow parses playbooks again at planning, and what parses there must not
 * depend on the day it is replayed. The client applies them with `reviewSchemaAsOf`.
 */
export const REVIEW_LIMITS = {
  /** At most a year (and a leap day) between an approval and its review-by date: reviews are at least yearly. */
  maxIntervalDays: 366,
} as const;

const DATE_RULE = 'expected an ISO date such as "2027-11-30"';
const isoDate = z.iso.date({ error: DATE_RULE });
/** A day, or the moment of the approval with its offset ("2026-11-30T14:00:00Z"). */
const isoDay = z.union([z.iso.date(), z.iso.datetime({ offset: true })], { error: `${DATE_RULE} or an ISO timestamp with its offset` });

/** Days since 1970-01-01 (UTC) of an ISO date or timestamp. */
export function dayNumber(iso: string): number {
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(iso) ? Date.parse(`${iso}T00:00:00Z`) : Date.parse(iso);
  return Math.floor(ms / DAY);
}

/** Today's day number (UTC) at `now`. */
export const today = (now: Date): number => Math.floor(now.getTime() / DAY);

/** The ISO date of a day number. */
export const isoOfDay = (day: number): string => new Date(day * DAY).toISOString().slice(0, 10);

export const reviewSchema = z
  .strictObject({
    /** Who approved the document: a person's name, as in the rest of Rampart's free text. */
    approvedBy: z
      .string({ error: (issue) => (issue.input === undefined ? 'is required: the name of who approved it' : 'expected text') })
      .pipe(nameText().min(1, 'expected the name of who approved it')),
    approvedAt: isoDay,
    /** The last day the approval holds; from the next day a start needs a new review or break-glass. */
    reviewBy: isoDate,
  })
  .superRefine((r, ctx) => {
    const interval = dayNumber(r.reviewBy) - dayNumber(r.approvedAt);
    if (interval <= 0) ctx.addIssue({ code: 'custom', path: ['reviewBy'], message: `expected a date after approvedAt (${r.approvedAt.slice(0, 10)})` });
    else if (interval > REVIEW_LIMITS.maxIntervalDays) {
      ctx.addIssue({ code: 'custom', path: ['reviewBy'], message: `expected at most ${REVIEW_LIMITS.maxIntervalDays} days after approvedAt (${r.approvedAt.slice(0, 10)}): reviews are at least yearly` });
    }
  });

export type Review = z.infer<typeof reviewSchema>;

/** The rules that depend on today: an approval cannot be dated in the future. Issues carry the block's path. */
export function reviewIssuesAsOf(review: Review, now: Date): { path: string[]; message: string }[] {
  return dayNumber(review.approvedAt) > today(now)
    ? [{ path: ['review', 'approvedAt'], message: `expected a date not in the future (today is ${isoOfDay(today(now))})` }]
    : [];
}

/**
 * A document schema with the date rules applied as of `now` (for the client: validate, start,
 * `review due`). The document keeps its own rules; the block is read at `review`.
 */
export function reviewSchemaAsOf<S extends z.ZodType>(schema: S, now: Date) {
  return schema.superRefine((doc, ctx) => {
    const review = reviewOf(doc);
    if (!review) return;
    for (const issue of reviewIssuesAsOf(review, now)) ctx.addIssue({ code: 'custom', ...issue });
  });
}

/** The parsed review block of a parsed document, if it has one. */
export function reviewOf(doc: unknown): Review | undefined {
  if (typeof doc !== 'object' || doc === null || !('review' in doc)) return undefined;
  const parsed = reviewSchema.safeParse((doc as { review: unknown }).review);
  return parsed.success ? parsed.data : undefined;
}

/** Where a document's review stands on a day. */
export type ReviewStanding =
  | { state: 'unreviewed' }
  | { state: 'current' | 'overdue'; review: Review; daysLeft: number };

export function reviewStanding(doc: unknown, now: Date): ReviewStanding {
  const review = reviewOf(doc);
  if (!review) return { state: 'unreviewed' };
  const daysLeft = dayNumber(review.reviewBy) - today(now);
  return { state: daysLeft < 0 ? 'overdue' : 'current', review, daysLeft };
}

/**
 * The check every start path makes (`rollout start` now, a train's scheduled run later): the
 * refusal for a document past its review-by date, or null. A document without a review block is
 * not refused (files written before reviews existed keep working); `playbook validate` and
 * `review due` warn about it.
 */
export function checkReviewDue(doc: unknown, now: Date): { reviewBy: string; daysOverdue: number } | null {
  const standing = reviewStanding(doc, now);
  return standing.state === 'overdue' ? { reviewBy: standing.review.reviewBy, daysOverdue: -standing.daysLeft } : null;
}

/** "due in 12 days", "due today", "overdue by 3 days". */
export function describeDaysLeft(daysLeft: number): string {
  const days = (n: number) => `${n} day${n === 1 ? '' : 's'}`;
  if (daysLeft < 0) return `overdue by ${days(-daysLeft)}`;
  return daysLeft === 0 ? 'due today' : `due in ${days(daysLeft)}`;
}
