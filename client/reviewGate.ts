import { breakGlassRefusal, startBreakGlassSchema, type StartBreakGlass } from '../domain/breakGlass';
import { parseInput } from '../domain/issues';
import { checkReviewDue } from '../domain/review';
import { describeFreeze, type ActiveFreeze } from '../contract/freeze';
import { EXIT, UserError } from './exitCodes';

/** A document a start depends on, as the user named it and as parsed. */
export interface ReviewedFile {
  file: string;
  doc: unknown;
}

/** What the operator asked for on the command line. */
export interface BreakGlassFlags {
  breakGlass?: boolean;
  approver?: string;
  reason?: string;
  by: string;
}

/** One line per file past its review-by date: "playbooks/x.yaml: review was due 2026-11-01 (reviewBy)". */
export function overdueReviews(files: ReviewedFile[], now: Date): string[] {
  return files.flatMap(({ file, doc }) => {
    const due = checkReviewDue(doc, now);
    return due ? [`${file}: review was due ${due.reviewBy} (reviewBy)`] : [];
  });
}

/** What a break-glass at a start overrides for a freeze in force: "freeze \"x\" (...) until ...". */
export function freezeOverrideLines(frozen: readonly ActiveFreeze[]): string[] {
  return frozen.map(describeFreeze);
}

/** The offline half of gateStart: a review past its date without break-glass is bad input, found before any server is asked. */
export function refuseOverdueWithoutBreakGlass(files: ReviewedFile[], flags: BreakGlassFlags, now: Date): void {
  if (flags.breakGlass) return;
  const overdue = overdueReviews(files, now);
  if (overdue.length > 0) throw new UserError(overdue.map((line) => `${line}; have it reviewed, or start with --break-glass`).join('\n'));
}

/**
 * Change control at a start: every file it depends on within its review date and no freeze in
 * force for the fleet, or a break-glass that says why, approved by someone else. Returns the
 * break-glass to record with the rollout (undefined when none was needed); throws what the
 * operator must fix: exit 2 for a review past its date or malformed break-glass flags, exit 3 for
 * a freeze in force (naming it and its end) and when the approver is the requester.
 */
export function gateStart(files: ReviewedFile[], flags: BreakGlassFlags, now: Date, frozen: readonly ActiveFreeze[] = []): StartBreakGlass | undefined {
  refuseOverdueWithoutBreakGlass(files, flags, now);
  const overrides = [...overdueReviews(files, now), ...freezeOverrideLines(frozen)];
  if (!flags.breakGlass) {
    if (flags.approver !== undefined) throw new UserError('--approver: only with --break-glass');
    if (frozen.length > 0) {
      throw new UserError(`start refused: ${freezeOverrideLines(frozen).join('; ')}; nothing was started. Wait until it ends, or start with --break-glass --reason ... --approver ...`, EXIT.rejected);
    }
    return undefined;
  }
  if (flags.reason === undefined) throw new UserError('--reason: --break-glass needs a reason: say why the rule must be broken');
  if (flags.approver === undefined) throw new UserError('--approver: --break-glass needs an approver other than you (--by)');
  // Break-glass overrides something named, never nothing: a habit of passing it would hide the day it matters.
  if (overrides.length === 0) throw new UserError('--break-glass: nothing to override (every review is within its date and no freeze is in force); start without --break-glass');
  const parsed = parseInput(startBreakGlassSchema, { reason: flags.reason, approver: flags.approver, requestedBy: flags.by, overrides });
  if (!parsed.ok) {
    const flagOf: Record<string, string> = { requestedBy: 'by' };
    throw new UserError(parsed.errors.map((e) => `--${flagOf[e.path] ?? e.path}: ${e.message}`).join('\n'));
  }
  const refusal = breakGlassRefusal(parsed.value);
  if (refusal) throw new UserError(`${refusal}; nothing was started`, EXIT.rejected);
  return parsed.value;
}
