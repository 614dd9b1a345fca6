import type { Command } from 'commander';
import { z } from 'zod';
import { DAY, MAX_DURATION, durationBetween, formatDuration } from '../../domain/duration';
import { describeDaysLeft, isoOfDay, today } from '../../domain/review';
import { terminalJson, tty } from '../../domain/escape/terminal';
import { EXIT } from '../exitCodes';
import { formatLocated } from '../loadDocument';
import { parseFlags } from '../parseFlags';
import { REVIEW_SOON_DAYS } from '../reviewWarning';
import { scanReviews, type ReviewedRow } from '../reviewScan';

const DEFAULT_PATHS = ['playbooks'];

const dueFlags = z.strictObject({
  within: durationBetween(DAY, MAX_DURATION).default(REVIEW_SOON_DAYS * DAY),
  json: z.boolean().optional(),
});

/**
 * Lists what is due for review within the window, or overdue, soonest first; files without a
 * review record and files that could not be read after it. Exit 0 when nothing is overdue, 1 when
 * something is (a CI job can gate on it), 2 when a file could not be read (the rest is listed).
 */
async function listDue(paths: string[], raw: unknown): Promise<void> {
  const flags = parseFlags(dueFlags, raw);
  const now = new Date();
  const withinDays = Math.ceil(flags.within / DAY);
  const scan = await scanReviews(paths.length > 0 ? paths : DEFAULT_PATHS, now);
  const due = scan.reviewed.filter((r) => r.daysLeft <= withinDays);
  process.exitCode = scan.errors.length > 0 ? EXIT.badInput : due.some((r) => r.overdue) ? EXIT.failure : EXIT.ok;
  if (flags.json) {
    console.log(terminalJson({
      asOf: isoOfDay(today(now)),
      withinDays,
      due: due.map((r) => ({ file: r.file, kind: r.kind, approvedBy: r.review.approvedBy, approvedAt: r.review.approvedAt, reviewBy: r.review.reviewBy, daysLeft: r.daysLeft, overdue: r.overdue })),
      unreviewed: scan.unreviewed,
      errors: scan.errors,
      checked: scan.reviewed.length,
    }, 2));
    return;
  }
  const window = formatDuration(flags.within);
  if (due.length === 0) console.log(`nothing due for review within ${window} (as of ${isoOfDay(today(now))}); ${scan.reviewed.length} reviewed file(s) checked`);
  else {
    console.log(`due for review within ${window} or overdue (as of ${isoOfDay(today(now))}), soonest first:`);
    for (const line of table(due)) console.log(line);
  }
  if (scan.unreviewed.length > 0) {
    console.log('no review record:');
    for (const u of scan.unreviewed) console.log(tty`  ${u.kind}: ${u.file}`);
  }
  if (scan.errors.length > 0) {
    console.error('could not read:');
    for (const e of scan.errors) console.error(tty`  ${formatLocated(e)}`);
  }
}

/** Aligned columns: review-by date, days left, kind, approver, file. */
function table(rows: ReviewedRow[]): string[] {
  const cells = [['REVIEW BY', 'DAYS LEFT', 'KIND', 'APPROVED BY', 'FILE'], ...rows.map((r) => [r.review.reviewBy, `${r.daysLeft} (${describeDaysLeft(r.daysLeft)})`, r.kind, r.review.approvedBy, r.file])];
  const widths = cells[0]!.map((_, i) => Math.max(...cells.map((row) => row[i]!.length)));
  return cells.map((row) => tty`  ${row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')}`);
}

export function registerReviewCommands(program: Command): void {
  const review = program.command('review').description('change control: who approved playbooks, policies and trains, and when they are due again');
  review
    .command('due [paths...]')
    .description('list files whose review is due within --within or overdue (default: ./playbooks); exit 1 if any is overdue, 2 if a file cannot be read')
    .option('--within <duration>', 'how far ahead to look, e.g. 30d, 90d', `${REVIEW_SOON_DAYS}d`)
    .option('--json', 'print JSON')
    .action(listDue);
}
