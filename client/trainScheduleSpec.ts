/**
 * A train's "when" as a Temporal ScheduleSpec, and the one comparable form of a spec (what apply
 * would write, and what the server describes back) so that `schedule apply` can tell "unchanged".
 */
import { DAYS_OF_WEEK, MONTHS, type CalendarSpec, type CalendarSpecDescription, type ScheduleSpec, type ScheduleSpecDescription } from '@temporalio/client';
import { DEFAULT_CATCHUP_WINDOW_MS, trainCalendars, trainIntervals, type Train } from '../domain/train';
import { CALENDAR_FIELDS, fieldValues, type CalendarField, type Range, type StructuredCalendar } from '../domain/trainCalendar';
import type { TrainTimesSpec } from '../domain/trainTimes';

const FULL_YEARS: Range[] = [{ start: 2000, end: 2100, step: 1 }];

function isAllYears(ranges: readonly Range[]): boolean {
  const values = fieldValues(ranges);
  return values.size === 101 && values.has(2000) && values.has(2100);
}

/** The SDK's form of one structured calendar: month and day-of-week by name, every year as "*". */
function toCalendarSpec(calendar: StructuredCalendar): CalendarSpec {
  const named = <N extends string>(names: readonly N[], offset: number) => (ranges: readonly Range[]) =>
    ranges.map((r) => ({ start: names[r.start - offset] as N, end: names[r.end - offset] as N, step: r.step }));
  const numeric = (ranges: readonly Range[]) => ranges.map((r) => ({ start: r.start, end: r.end, step: r.step }));
  return {
    second: numeric(calendar.second),
    minute: numeric(calendar.minute),
    hour: numeric(calendar.hour),
    dayOfMonth: numeric(calendar.dayOfMonth),
    month: named(MONTHS, 1)(calendar.month),
    year: isAllYears(calendar.year) ? '*' : numeric(calendar.year),
    dayOfWeek: named(DAYS_OF_WEEK, 0)(calendar.dayOfWeek),
    ...(calendar.comment ? { comment: calendar.comment } : {}),
  };
}

export function toScheduleSpec(train: Train): ScheduleSpec {
  return {
    calendars: trainCalendars(train).map(toCalendarSpec),
    intervals: trainIntervals(train).map((i) => ({ every: i.every * 1000, offset: i.offset * 1000 })),
    timezone: train.timeZone,
    ...(train.jitter ? { jitter: train.jitter } : {}),
  };
}

/** What the offline run-time computation reads. */
export function timesSpecOf(train: Train): TrainTimesSpec {
  return { timeZone: train.timeZone, calendars: trainCalendars(train), intervals: trainIntervals(train) };
}

export function catchupWindowOf(train: Train): number {
  return train.catchupWindow ?? DEFAULT_CATCHUP_WINDOW_MS;
}

/** The calendars the server describes, back in the structured form (month and day numbers, every year). */
export function describedTimesSpec(spec: ScheduleSpecDescription): TrainTimesSpec {
  const toStructured = (c: CalendarSpecDescription): StructuredCalendar => {
    const nums = <U>(ranges: Range[] | { start: U; end: U; step: number }[], index: (u: U) => number): Range[] =>
      (ranges as { start: U; end: U; step: number }[]).map((r) => ({ start: index(r.start), end: index(r.end), step: r.step }));
    const id = (n: number) => n;
    return {
      second: nums(c.second, id),
      minute: nums(c.minute, id),
      hour: nums(c.hour, id),
      dayOfMonth: nums(c.dayOfMonth, id),
      month: nums(c.month, (m) => MONTHS.indexOf(m) + 1),
      year: c.year.length === 0 ? FULL_YEARS : nums(c.year, id),
      dayOfWeek: nums(c.dayOfWeek, (d) => DAYS_OF_WEEK.indexOf(d)),
      ...(c.comment ? { comment: c.comment } : {}),
    };
  };
  return {
    timeZone: spec.timezone ?? 'UTC',
    calendars: (spec.calendars ?? []).map(toStructured),
    intervals: (spec.intervals ?? []).map((i) => ({ every: Math.round(i.every / 1000), offset: Math.round(i.offset / 1000) })),
  };
}

/** One calendar as the set of values each field matches: equal meaning, equal text. */
function calendarKey(calendar: StructuredCalendar): string {
  const fields = Object.fromEntries(CALENDAR_FIELDS.map((f: CalendarField) => [f, [...fieldValues(calendar[f])].sort((a, b) => a - b)]));
  return JSON.stringify({ ...fields, comment: calendar.comment ?? '' });
}

/** The comparable form of a spec and its jitter: calendars and intervals as sorted sets of meanings. */
export function specKey(spec: TrainTimesSpec, jitterMs: number): string {
  return JSON.stringify({
    timeZone: spec.timeZone,
    calendars: spec.calendars.map(calendarKey).sort(),
    intervals: spec.intervals.map((i) => `${i.every}/${i.offset}`).sort(),
    jitterMs,
  });
}
