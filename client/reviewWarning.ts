import { describeDaysLeft, reviewStanding, type ReviewStanding } from '../domain/review';

/** How near a review date must be before `validate` mentions it; `review due` lists the same window by default. */
export const REVIEW_SOON_DAYS = 30;

/**
 * What `playbook validate` and `escalation validate` say about a valid file's review (on stderr,
 * exit 0: the file is valid): none recorded, past its date (starts are refused), or due soon.
 */
export function reviewWarning(file: string, standing: ReviewStanding): string | null {
  if (standing.state === 'unreviewed') {
    return `warning: ${file}: no review record; add review: { approvedBy, approvedAt, reviewBy } so change control knows who approved it and when it is due again`;
  }
  const { reviewBy, approvedBy } = standing.review;
  if (standing.state === 'overdue') {
    return `warning: ${file}: review was due ${reviewBy} (reviewBy, approved by ${approvedBy}); rollout start refuses it without --break-glass`;
  }
  return standing.daysLeft <= REVIEW_SOON_DAYS ? `note: ${file}: review ${describeDaysLeft(standing.daysLeft)} (${reviewBy})` : null;
}

/** Prints the warning, if any, and returns the standing for JSON output. */
export function warnAboutReview(file: string, doc: unknown, now: Date): ReviewStanding {
  const standing = reviewStanding(doc, now);
  const warning = reviewWarning(file, standing);
  if (warning) console.error(warning);
  return standing;
}
