/**
 * When a train runs: the next matching times of its calendars and intervals, computed offline
 * exactly as the Temporal server computes them (service/worker/scheduler/calendar.go `next`,
 * spec.go `rawNextTime`), so `schedule validate` needs no server and agrees with it
 * (test/trainTimes.test.ts checks it against the server's ListScheduleMatchingTimes). The DST
 * rules that follow from the server's algorithm, kept here on purpose:
 *   - a wall-clock time that does not exist (the spring-forward gap) does not fire that day;
 *   - a wall-clock time that happens twice (the fall-back hour) fires twice.
 * Times are whole seconds since the epoch; jitter is not included (the server adds up to
 * `jitter` to each of these nominal times). Never called from workflow code: it reads the
 * time-zone database through Intl.
 */
import { CALENDAR_FIELDS, fieldValues, type CalendarField, type StructuredCalendar } from './trainCalendar';

export interface IntervalSeconds {
  every: number;
  offset: number;
}

export interface TrainTimesSpec {
  timeZone: string;
  calendars: StructuredCalendar[];
  intervals: IntervalSeconds[];
}

const MAX_YEAR = 2100;

interface Wall {
  y: number;
  mo: number;
  d: number;
  h: number;
  m: number;
  s: number;
  weekday: number;
}

const WEEKDAYS: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };
const formatters = new Map<string, Intl.DateTimeFormat>();

/** Whether the name is an IANA time zone this machine's time-zone database knows ("UTC" included). */
export function isKnownTimeZone(name: string): boolean {
  try {
    const resolved = new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
    // Intl ignores case, the server's zone files do not: "america/new_york" is refused here, not there.
    if (resolved.toLowerCase() === name.toLowerCase()) return resolved === name;
    // A link such as US/Pacific: every part of a tz database name starts with a capital.
    return /^[A-Z][A-Za-z0-9_+-]*(\/[A-Z][A-Za-z0-9_+-]*)*$/.test(name);
  } catch {
    return false;
  }
}

/** The wall clock in one zone: what Go's `ts.In(tz)` gives. */
class Zone {
  private readonly format: Intl.DateTimeFormat;

  constructor(readonly name: string) {
    let format = formatters.get(name);
    if (!format) {
      format = new Intl.DateTimeFormat('en-US', {
        timeZone: name, hourCycle: 'h23', weekday: 'short', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
      });
      formatters.set(name, format);
    }
    this.format = format;
  }

  wall(seconds: number): Wall {
    const parts: Record<string, string> = {};
    for (const p of this.format.formatToParts(new Date(seconds * 1000))) parts[p.type] = p.value;
    return { y: Number(parts.year), mo: Number(parts.month), d: Number(parts.day), h: Number(parts.hour), m: Number(parts.minute), s: Number(parts.second), weekday: WEEKDAYS[parts.weekday as string] ?? 0 };
  }

  /** Seconds the zone is ahead of UTC at an instant. */
  offset(seconds: number): number {
    const w = this.wall(seconds);
    return Date.UTC(w.y, w.mo - 1, w.d, w.h, w.m, w.s) / 1000 - seconds;
  }

  /**
   * Go's `time.Date(y, mo, d, h, m, s, 0, loc)`: out-of-range fields carry over; a time in a
   * gap or an overlap gets the offset Go's lookup gives it (the earlier one in an overlap).
   */
  date(y: number, mo: number, d: number, h: number, m: number, s: number): number {
    const local = Date.UTC(y, mo - 1, d, h, m, s) / 1000;
    const guess = this.offset(local);
    const utc = local - guess;
    const actual = this.offset(utc);
    return actual === guess ? utc : local - actual;
  }
}

function daysInMonth(mo: number, y: number): number {
  return new Date(Date.UTC(y, mo, 0)).getUTCDate();
}

type Matchers = Record<CalendarField, (v: number) => boolean>;

function matchersOf(calendar: StructuredCalendar): Matchers {
  return Object.fromEntries(CALENDAR_FIELDS.map((f) => {
    const values = fieldValues(calendar[f]);
    return [f, (v: number) => values.has(v)];
  })) as Matchers;
}

/** The first time after `after` (seconds) the calendar matches; null when none before 2101. A port of the server's `next`. */
export function calendarNext(calendar: StructuredCalendar, zone: string, after: number): number | null {
  const tz = new Zone(zone);
  const c = matchersOf(calendar);
  let { y, mo, d, h, m, s } = tz.wall(after);
  // In the second copy of a repeated (fall-back) hour, everything found is an hour later.
  let dst = tz.wall(after - 3600).h === h ? 3600 : 0;
  s++;
  outer: for (;;) {
    if (s >= 60) [m, s] = [m + 1, 0];
    if (m >= 60) {
      const prev = tz.date(y, mo, d, h, 0, 0);
      [h, m] = [h + 1, 0];
      const next = tz.date(y, mo, d, h, 0, 0);
      // Two hours between consecutive hours: a repeated hour was jumped over; go through its second copy.
      if (dst === 0 && next - prev > 3600) [h, dst] = [h - 1, 3600];
      else dst = 0;
    }
    if (h >= 24) [d, h] = [d + 1, 0];
    if (d > daysInMonth(mo, y)) [mo, d] = [mo + 1, 1];
    if (mo > 12) [y, mo] = [y + 1, 1];
    if (y > MAX_YEAR) return null;
    if (!c.year(y)) {
      [y, mo, d, h, m, s, dst] = [y + 1, 1, 1, 0, 0, 0, 0];
      continue outer;
    }
    while (!c.month(mo)) {
      [mo, d, h, m, s, dst] = [mo + 1, 1, 0, 0, 0, 0];
      if (mo > 12) continue outer;
    }
    while (!c.dayOfMonth(d) || !c.dayOfWeek(tz.wall(tz.date(y, mo, d, h, m, s)).weekday)) {
      [d, h, m, s, dst] = [d + 1, 0, 0, 0, 0];
      if (d > daysInMonth(mo, y)) continue outer;
    }
    while (!c.hour(h)) {
      [h, m, s, dst] = [h + 1, 0, 0, 0];
      if (h >= 24) continue outer;
    }
    while (!c.minute(m)) {
      [m, s] = [m + 1, 0];
      if (m >= 60) continue outer;
    }
    while (!c.second(s)) {
      s++;
      if (s >= 60) continue outer;
    }
    const found = tz.date(y, mo, d, h, m, s);
    // A wall-clock time the zone skips (spring forward) lands in another hour: it does not fire.
    if (tz.wall(found).h !== h) {
      [h, m, s] = [h + 1, 0, 0];
      continue outer;
    }
    return found + dst;
  }
}

/** The server's interval rule: epoch + n × every + offset, the first after `after`. */
export function intervalNext(interval: IntervalSeconds, after: number): number {
  const every = Math.max(1, interval.every);
  return (Math.trunc((after - interval.offset) / every) + 1) * every + interval.offset;
}

/** The earliest time after `after` any calendar or interval matches; null when none does. */
export function nextTime(spec: TrainTimesSpec, after: number): number | null {
  let best: number | null = null;
  for (const calendar of spec.calendars) {
    const next = calendarNext(calendar, spec.timeZone, after);
    if (next !== null && (best === null || next < best)) best = next;
  }
  for (const interval of spec.intervals) {
    const next = intervalNext(interval, after);
    if (best === null || next < best) best = next;
  }
  return best;
}

/** The next `count` run times after `after` (seconds), fewer when the spec runs out. */
export function nextTimes(spec: TrainTimesSpec, after: number, count: number): number[] {
  const times: number[] = [];
  for (let t = nextTime(spec, after); t !== null && times.length < count; t = nextTime(spec, t)) times.push(t);
  return times;
}

/** Every run time in (from, to], in order (seconds). */
export function timesBetween(spec: TrainTimesSpec, from: number, to: number): number[] {
  const times: number[] = [];
  for (let t = nextTime(spec, from); t !== null && t <= to; t = nextTime(spec, t)) times.push(t);
  return times;
}

/** An ISO timestamp in the zone's own offset: 2026-12-08T10:00:00-05:00. */
export function isoInZone(seconds: number, zone: string): string {
  const tz = new Zone(zone);
  const w = tz.wall(seconds);
  const offsetMin = Math.round(tz.offset(seconds) / 60);
  const sign = offsetMin < 0 ? '-' : '+';
  const abs = Math.abs(offsetMin);
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  const zonePart = offsetMin === 0 ? 'Z' : `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
  return `${pad(w.y, 4)}-${pad(w.mo)}-${pad(w.d)}T${pad(w.h)}:${pad(w.m)}:${pad(w.s)}${zonePart}`;
}

/** The wall clock in `zone` at an instant, as the epoch seconds its fields would be read as UTC ("floating" time). */
export function wallSeconds(seconds: number, zone: string): number {
  const w = new Zone(zone).wall(seconds);
  return Date.UTC(w.y, w.mo - 1, w.d, w.h, w.m, w.s) / 1000;
}

/** The instant a wall-clock time in `zone` names, given as floating seconds; in a DST gap or overlap as Go's time.Date decides. */
export function instantOfWall(floating: number, zone: string): number {
  const d = new Date(floating * 1000);
  return new Zone(zone).date(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds());
}
