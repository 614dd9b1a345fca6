/**
 * A train's calendars as Temporal's server reads them. A calendar field is written as Temporal's
 * string form ("*", "10", "8-14", "1-5/2", "MON,WED", a list) and turned here into the
 * structured ranges the server stores, by the server's own rules (service/worker/scheduler/
 * calendar.go: makeRange, parseValue, parseCronString), so what `schedule validate` computes
 * offline is what the server runs. A time matches a calendar when EVERY field matches: day of
 * month AND day of week (unlike classic cron), so "TUESDAY, 8-14" is the second Tuesday.
 */

export interface Range {
  start: number;
  /** Inclusive; equal to start for one value. */
  end: number;
  step: number;
}

export const CALENDAR_FIELDS = ['second', 'minute', 'hour', 'dayOfMonth', 'month', 'year', 'dayOfWeek'] as const;
export type CalendarField = (typeof CALENDAR_FIELDS)[number];

/** One calendar, every field as ranges (what the server keeps as a StructuredCalendarSpec). */
export type StructuredCalendar = Record<CalendarField, Range[]> & { comment?: string };

type Mode = 'int' | 'month' | 'dow';

/** Each field's bounds, its default when left out, and whether names are accepted (as in the server). */
const FIELD_RULES: Record<CalendarField, { min: number; max: number; def: string; mode: Mode; what: string }> = {
  second: { min: 0, max: 59, def: '0', mode: 'int', what: 'a second 0-59' },
  minute: { min: 0, max: 59, def: '0', mode: 'int', what: 'a minute 0-59' },
  hour: { min: 0, max: 23, def: '0', mode: 'int', what: 'an hour 0-23' },
  dayOfMonth: { min: 1, max: 31, def: '*', mode: 'int', what: 'a day of the month 1-31' },
  month: { min: 1, max: 12, def: '*', mode: 'month', what: 'a month 1-12 or a name such as MARCH' },
  year: { min: 2000, max: 2100, def: '*', mode: 'int', what: 'a year 2000-2100' },
  dayOfWeek: { min: 0, max: 6, def: '*', mode: 'dow', what: 'a day of the week 0-6 (0 = Sunday) or a name such as TUESDAY' },
};

const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];
const DAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];

/** Thrown for a field the server would refuse; the message is the rule. */
export class CalendarSyntaxError extends Error {}

function parseValue(text: string, min: number, max: number, mode: Mode, what: string): number {
  const lower = text.toLowerCase();
  // The server takes a name by prefix: at least three letters of a month, two of a day.
  if (mode === 'month' && lower.length >= 3) {
    const i = MONTHS.findIndex((m) => m.startsWith(lower));
    if (i >= 0) return i + 1;
  }
  if (mode === 'dow' && lower.length >= 2) {
    const i = DAYS.findIndex((d) => d.startsWith(lower));
    if (i >= 0) return i;
  }
  if (!/^\d{1,4}$/.test(text)) throw new CalendarSyntaxError(`"${text}" is not ${what}`);
  const value = Number(text);
  if (value < min || value > max) throw new CalendarSyntaxError(`${value} is out of range: expected ${what}`);
  return value;
}

/** The server's makeRange: "*", "x", "x-z", "x-z/y", "x/y" (x to the end by y), comma-joined. */
export function parseRanges(field: CalendarField, written: string | undefined): Range[] {
  const rule = FIELD_RULES[field];
  const text = (written ?? '').trim() === '' ? rule.def : (written as string).trim();
  return text.split(',').map((raw) => {
    let part = raw.trim();
    let step = 1;
    let hasStep = false;
    if (part.includes('/')) {
      const pieces = part.split('/');
      if (pieces.length !== 2 || !/^\d{1,3}$/.test(pieces[1] as string) || Number(pieces[1]) < 1) {
        throw new CalendarSyntaxError(`"${raw.trim()}": a step is written "/N" with N a whole number of at least 1`);
      }
      part = pieces[0] as string;
      step = Number(pieces[1]);
      hasStep = true;
    }
    let start = rule.min;
    let end = rule.max;
    if (part !== '*') {
      if (part.includes('-')) {
        const ends = part.split('-');
        if (ends.length !== 2) throw new CalendarSyntaxError(`"${raw.trim()}": a range is written "FROM-TO"`);
        start = parseValue(ends[0] as string, rule.min, rule.max, rule.mode, rule.what);
        end = parseValue(ends[1] as string, rule.min, rule.max, rule.mode, rule.what);
        if (end < start) throw new CalendarSyntaxError(`"${raw.trim()}": the range ends before it starts`);
      } else {
        start = parseValue(part, rule.min, rule.max, rule.mode, rule.what);
        // "x/y" runs from x to the end by y; a lone "x" is x.
        if (!hasStep) end = start;
      }
    }
    return { start, end, step };
  });
}

/** A calendar as written in a train file: each field a string, a number or a list of them. */
export type WrittenCalendar = Partial<Record<CalendarField, string | number | (string | number)[]>> & { comment?: string };

function fieldText(value: string | number | (string | number)[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value.map(String).join(',') : String(value);
}

export function structureCalendar(written: WrittenCalendar): StructuredCalendar {
  const structured = Object.fromEntries(CALENDAR_FIELDS.map((f) => [f, parseRanges(f, fieldText(written[f]))])) as unknown as StructuredCalendar;
  if (written.comment) structured.comment = written.comment;
  return structured;
}

/** Every value a field matches, as the server's matcher sees it. */
export function fieldValues(ranges: readonly Range[]): Set<number> {
  const values = new Set<number>();
  for (const r of ranges) {
    const step = r.step < 1 ? 1 : r.step;
    const end = r.end < r.start ? r.start : r.end;
    for (let v = r.start; v <= end; v += step) values.add(v);
  }
  return values;
}

const PREDEFINED: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

/**
 * A cron string as the server's parseCronString reads it: 5 fields (minute hour day-of-month month
 * day-of-week), 6 (and year) or 7 (second first), or @daily and the like. Day of month and day of
 * week are ANDed, as in every Temporal calendar. A time zone prefix (CRON_TZ=) and @every are
 * refused: the train's `timeZone` and `intervals` say those, once.
 */
export function parseCron(cron: string): StructuredCalendar {
  const text = cron.trim();
  if (/^(CRON_)?TZ=/.test(text)) throw new CalendarSyntaxError('a time zone prefix (CRON_TZ=) is not taken here: the train\'s timeZone applies to every cron string');
  if (text.startsWith('@every')) throw new CalendarSyntaxError('"@every" is not taken here: write it under intervals');
  const expanded = PREDEFINED[text] ?? text;
  if (expanded.startsWith('@')) throw new CalendarSyntaxError(`"${text}" is not a known shorthand (@yearly, @monthly, @weekly, @daily, @hourly)`);
  const fields = expanded.split(/\s+/);
  const written: WrittenCalendar = { comment: cron };
  const order: CalendarField[][] = [
    [],
    [],
    [],
    [],
    [],
    ['minute', 'hour', 'dayOfMonth', 'month', 'dayOfWeek'],
    ['minute', 'hour', 'dayOfMonth', 'month', 'dayOfWeek', 'year'],
    ['second', 'minute', 'hour', 'dayOfMonth', 'month', 'dayOfWeek', 'year'],
  ];
  const names = order[fields.length];
  if (!names || names.length === 0) throw new CalendarSyntaxError(`expected 5 fields (minute hour day-of-month month day-of-week), 6 (and year) or 7 (second first); got ${fields.length}`);
  names.forEach((name, i) => (written[name] = fields[i] as string));
  return structureCalendar(written);
}
