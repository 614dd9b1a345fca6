import type { Customer } from './customers';

/**
 * Maintenance windows, quiet hours and notice weeks, in the customer's own time zone.
 *
 * The tz database is reached through Intl only (no time-zone library), and the answers depend
 * on it: call these from activities or the client, never from workflow code, so that a replay
 * on a worker with another tz database cannot diverge.
 *
 * "Wall time" below is a local date and time written as if it were UTC milliseconds
 * (Date.UTC(y, m, d, h, min)), which makes calendar arithmetic plain integer arithmetic.
 */

type Window = Customer['maintenanceWindows'][number];
type QuietHours = { start: string; end: string };

const MINUTE = 60_000;
const DAY = 86_400_000;
/** A window with less time left than this is not worth starting an update in. */
const MIN_TIME_LEFT = 15 * MINUTE;
/** Every window repeats weekly, so 8 days ahead always reaches the next opening. */
const LOOKAHEAD_DAYS = 8;
/** Windows last at most 24 h, so one that opened two local days ago has closed. */
const LOOKBEHIND_DAYS = 2;

const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
const DAY_LABELS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTH_LABELS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

// ---------------------------------------------------------------------------------------------
// Offsets and wall times

const partsFormatters = new Map<string, Intl.DateTimeFormat>();

function partsFormatter(timeZone: string): Intl.DateTimeFormat {
  let formatter = partsFormatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      // h23, not hour12: false, which prints midnight as "24" on some ICU versions.
      hourCycle: 'h23',
      year: 'numeric', month: 'numeric', day: 'numeric',
      hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    partsFormatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The zone's offset from UTC at `instant`, in ms (Berlin in winter: +3_600_000). */
function zoneOffsetAt(timeZone: string, instant: number): number {
  const fields: Record<string, string> = {};
  for (const part of partsFormatter(timeZone).formatToParts(new Date(instant))) fields[part.type] = part.value;
  const wall = Date.UTC(Number(fields.year), Number(fields.month) - 1, Number(fields.day), Number(fields.hour), Number(fields.minute), Number(fields.second));
  // Intl shows whole seconds: compare with the instant truncated the same way.
  return wall - Math.floor(instant / 1000) * 1000;
}

function wallTimeAt(timeZone: string, instant: number): number {
  return instant + zoneOffsetAt(timeZone, instant);
}

/**
 * Every instant whose local time is `wall`: one normally, two when clocks fall back (earlier
 * first), none when clocks jump over it.
 */
function instantsOfWallTime(timeZone: string, wall: number): number[] {
  // Offsets a day either side bracket any single transition near `wall`.
  const offsets = new Set([zoneOffsetAt(timeZone, wall - DAY), zoneOffsetAt(timeZone, wall + DAY)]);
  const found: number[] = [];
  for (const offset of offsets) {
    const candidate = wall - offset;
    if (zoneOffsetAt(timeZone, candidate) === offset) found.push(candidate);
  }
  return found.sort((a, b) => a - b);
}

/** The instant clocks jumped forward over `wall`: the first valid instant after a skipped time. */
function jumpOver(timeZone: string, wall: number): number {
  const before = zoneOffsetAt(timeZone, wall - DAY);
  const after = zoneOffsetAt(timeZone, wall + DAY);
  // Read with the later offset, `wall` lies before the jump; with the earlier one, after it.
  let lo = wall - after;
  let hi = wall - before;
  while (hi - lo > 1000) {
    const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
    if (zoneOffsetAt(timeZone, mid) === before) lo = mid;
    else hi = mid;
  }
  return hi;
}

/**
 * The first instant at or after local `wall` (earlier of two when clocks fall back) that is later
 * than `notBefore`, if given; a skipped wall time resolves to the jump itself.
 */
function instantOfWallTime(timeZone: string, wall: number, notBefore = -Infinity): number {
  const instants = instantsOfWallTime(timeZone, wall);
  if (instants.length === 0) return jumpOver(timeZone, wall);
  return instants.find((instant) => instant > notBefore) ?? (instants[0] as number);
}

function localMidnight(wall: number): number {
  return Math.floor(wall / DAY) * DAY;
}

function minutesOfClock(clock: string): number {
  const [hours, minutes] = clock.split(':').map(Number);
  return (hours ?? 0) * 60 + (minutes ?? 0);
}

// ---------------------------------------------------------------------------------------------
// Maintenance windows

/**
 * The earliest weekly window that contains or follows `after`. Inside a window with at least
 * 15 minutes left, the slot starts at `after`; otherwise at the next opening.
 *
 * A window closes `duration` after it opens, or at its local end time if that comes first: across
 * a DST change a window neither runs longer than its duration nor past the local hour the customer
 * wrote down. A start time that clocks skip opens at the jump.
 */
const MAX_SLOT = 24 * 60 * MINUTE;

export function nextWindow(windows: Customer['maintenanceWindows'], timeZone: string, after: Date): { opensAt: Date; closesAt: Date } {
  const now = after.getTime();
  const today = localMidnight(wallTimeAt(timeZone, now));
  const slots: { opensAt: number; closesAt: number }[] = [];
  for (let day = -LOOKBEHIND_DAYS; day <= LOOKAHEAD_DAYS; day++) {
    const midnight = today + day * DAY;
    const dayName = DAY_NAMES[new Date(midnight).getUTCDay()];
    for (const window of windows.filter((w) => w.day === dayName)) {
      const slot = slotOf(window, timeZone, midnight);
      if (slot.closesAt > now) slots.push(slot);
    }
  }
  // Windows that touch or overlap are one window: Monday 00:00 for 24h then Tuesday 00:00 is no break.
  slots.sort((a, b) => a.opensAt - b.opensAt);
  const merged: { opensAt: number; closesAt: number }[] = [];
  for (const slot of slots) {
    const last = merged.at(-1);
    if (last && slot.opensAt <= last.closesAt) last.closesAt = Math.max(last.closesAt, slot.closesAt);
    else merged.push({ ...slot });
  }
  const usable = merged.find((slot) => slot.opensAt > now || slot.closesAt - now >= MIN_TIME_LEFT);
  if (!usable) throw new RangeError(`no maintenance window opens within ${LOOKAHEAD_DAYS} days after ${after.toISOString()}`);
  // A chain of windows is still offered one day at a time: a slot is what one window may be.
  const opensAt = Math.max(usable.opensAt, now);
  return { opensAt: new Date(opensAt), closesAt: new Date(Math.min(usable.closesAt, opensAt + MAX_SLOT)) };
}

/** One window on one local day, as instants. */
function slotOf(window: Window, timeZone: string, midnight: number): { opensAt: number; closesAt: number } {
  const wallStart = midnight + minutesOfClock(window.start) * MINUTE;
  const opensAt = instantOfWallTime(timeZone, wallStart);
  const closesAt = Math.min(opensAt + window.duration, instantOfWallTime(timeZone, wallStart + window.duration));
  return { opensAt, closesAt };
}

// ---------------------------------------------------------------------------------------------
// Quiet hours

/** Whether local time at `at` lies in [start, end); hours may cross midnight; start == end is never quiet. */
export function isQuietAt(quiet: QuietHours | undefined, timeZone: string, at: Date): boolean {
  if (!quiet) return false;
  const start = minutesOfClock(quiet.start);
  const end = minutesOfClock(quiet.end);
  if (start === end) return false;
  const wall = wallTimeAt(timeZone, at.getTime());
  const minute = Math.floor((wall - localMidnight(wall)) / MINUTE);
  return start < end ? minute >= start && minute < end : minute >= start || minute < end;
}

/** The instant quiet hours around `at` end, or null when `at` is not in quiet hours. */
export function quietHoursEnd(quiet: QuietHours | undefined, timeZone: string, at: Date): Date | null {
  if (!quiet || !isQuietAt(quiet, timeZone, at)) return null;
  const now = at.getTime();
  const wall = wallTimeAt(timeZone, now);
  const midnight = localMidnight(wall);
  const end = minutesOfClock(quiet.end) * MINUTE;
  // Quiet hours that cross midnight and started this evening end tomorrow morning.
  const endsTomorrow = wall - midnight >= end;
  // notBefore: when clocks fall back inside quiet hours, the end is the occurrence still ahead.
  return new Date(instantOfWallTime(timeZone, midnight + (endsTomorrow ? DAY : 0) + end, now));
}

// ---------------------------------------------------------------------------------------------
// Weeks and labels

/** Monday 00:00 local of the week containing `at` (the weekly notice cap counts from here). */
export function weekStart(at: Date, timeZone: string): Date {
  const midnight = localMidnight(wallTimeAt(timeZone, at.getTime()));
  const daysSinceMonday = (new Date(midnight).getUTCDay() + 6) % 7;
  return new Date(instantOfWallTime(timeZone, midnight - daysSinceMonday * DAY));
}

/**
 * The slot as the customer reads it in their zone: "Tue 24 Nov 02:00–05:00 CET", or
 * "Sat 28 Nov 23:00 – Sun 29 Nov 03:00 EST" when it ends on another day. English labels are
 * built here rather than by Intl, whose short month names vary by locale and ICU version.
 */
export function formatSlotLabel(opensAt: Date, closesAt: Date, timeZone: string): string {
  const open = wallTimeAt(timeZone, opensAt.getTime());
  const close = wallTimeAt(timeZone, closesAt.getTime());
  const openZone = zoneAbbreviation(timeZone, opensAt);
  const closeZone = zoneAbbreviation(timeZone, closesAt);
  const sameDay = localMidnight(open) === localMidnight(close);
  // A window across a DST change names both zones, so neither time reads an hour off.
  const openText = `${dateLabel(open)} ${clockLabel(open)}`;
  const closeText = sameDay ? clockLabel(close) : `${dateLabel(close)} ${clockLabel(close)}`;
  if (openZone !== closeZone) return `${openText} ${openZone} – ${closeText} ${closeZone}`;
  return sameDay ? `${openText}–${closeText} ${closeZone}` : `${openText} – ${closeText} ${closeZone}`;
}

function dateLabel(wall: number): string {
  const date = new Date(wall);
  return `${DAY_LABELS[date.getUTCDay()]} ${date.getUTCDate()} ${MONTH_LABELS[date.getUTCMonth()]}`;
}

function clockLabel(wall: number): string {
  return new Date(wall).toISOString().slice(11, 16);
}

const abbreviationFormatters = new Map<string, Intl.DateTimeFormat[]>();

/**
 * "CET", "EST", or "GMT+9" where no abbreviation is in common use. ICU gives American zones
 * their abbreviations under en-US only and European ones under en-GB only, so ask both.
 */
function zoneAbbreviation(timeZone: string, at: Date): string {
  let formatters = abbreviationFormatters.get(timeZone);
  if (!formatters) {
    formatters = ['en-US', 'en-GB'].map((locale) => new Intl.DateTimeFormat(locale, { timeZone, timeZoneName: 'short' }));
    abbreviationFormatters.set(timeZone, formatters);
  }
  const names = formatters.map((formatter) => formatter.formatToParts(at).find((part) => part.type === 'timeZoneName')?.value ?? '');
  return names.find((name) => /^[A-Z]{2,5}$/.test(name)) ?? names[0] ?? timeZone;
}
