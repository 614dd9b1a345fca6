/**
 * When a freeze is in force. A one-off freeze is a range of wall-clock times in its zone; a
 * recurring one is an RFC 5545 RRULE expanded by the `rrule` library in floating time (wall-clock
 * fields, no zone), each occurrence then placed in the freeze's zone, so a "Friday 14:00 Berlin"
 * window stays at 14:00 across DST changes as RFC 5545 says a DTSTART with TZID does. Reads the
 * time-zone database through Intl: never called from workflow code.
 */
import { RRule, type Options } from 'rrule';
import { z } from 'zod';
import { freezeRuleShape, type ActiveFreeze, type FreezeRule, type FreezeScope } from '../contract/freeze';
import { DAY, SECOND } from '../domain/duration';
import { instantOfWall, isKnownTimeZone, isoInZone, wallSeconds } from '../domain/trainTimes';

type Rule = Pick<FreezeRule, 'name' | 'reason' | 'timeZone' | 'scope' | 'from' | 'until' | 'rrule' | 'start' | 'duration'>;

export interface FreezeWindow {
  start: Date;
  end: Date;
}

/** How far ahead a recurring freeze must have a window, as trains must run ("never fires" is a mistake). */
export const FREEZE_HORIZON_DAYS = 400;
/** Occurrences looked at per question: a rule firing every minute still answers quickly. */
const MAX_OCCURRENCES = 2000;
/** Windows chained into one (each starting as the last ends) before the chain is cut. */
const MAX_CHAIN = 100;

function floatingOf(local: string): number {
  return Date.parse(`${local.length === 16 ? `${local}:00` : local}Z`) / SECOND;
}

function instant(local: string, zone: string): Date {
  return new Date(instantOfWall(floatingOf(local), zone) * SECOND);
}

/** The RRULE as the library takes it; throws with the library's message when it does not parse. */
function parseRrule(text: string, start: string): RRule {
  const body = text.trim().replace(/^RRULE:/i, '');
  if (/DTSTART|TZID|\n/i.test(body)) throw new Error('give the RRULE part only ("FREQ=WEEKLY;BYDAY=FR"); its start goes in start and its zone in timeZone');
  const options: Partial<Options> = RRule.parseString(body);
  if (options.freq === undefined) throw new Error('an RRULE needs FREQ=YEARLY, MONTHLY, WEEKLY, DAILY, HOURLY or MINUTELY (e.g. "FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=24")');
  return new RRule({ ...options, dtstart: new Date(floatingOf(start) * SECOND) });
}

const rules = new Map<string, RRule>();
function rruleOf(rule: Rule): RRule {
  const key = `${rule.rrule}|${rule.start}`;
  let parsed = rules.get(key);
  if (!parsed) {
    parsed = parseRrule(rule.rrule as string, rule.start as string);
    if (rules.size > 500) rules.clear();
    rules.set(key, parsed);
  }
  return parsed;
}

/** The rule's windows that overlap [from, to), oldest first. */
export function windowsBetween(rule: Rule, from: Date, to: Date): FreezeWindow[] {
  if (rule.from !== undefined && rule.until !== undefined) {
    const w = { start: instant(rule.from, rule.timeZone), end: instant(rule.until, rule.timeZone) };
    return w.start < to && w.end > from ? [w] : [];
  }
  const lasts = rule.duration as number;
  // Occurrences are floating: look a day either side so no zone offset hides one.
  const after = new Date((wallSeconds(Math.floor((from.getTime() - lasts) / SECOND), rule.timeZone) * SECOND) - DAY);
  const before = new Date(wallSeconds(Math.floor(to.getTime() / SECOND), rule.timeZone) * SECOND + DAY);
  const starts = rruleOf(rule).between(after, before, true, (_d, i) => i < MAX_OCCURRENCES);
  return starts
    .map((d) => {
      const start = new Date(instantOfWall(d.getTime() / SECOND, rule.timeZone) * SECOND);
      return { start, end: new Date(start.getTime() + lasts) };
    })
    .filter((w) => w.start < to && w.end > from);
}

/** The window in force at `at`, with windows that follow on without a gap joined to it; null when none. */
export function windowAt(rule: Rule, at: Date): FreezeWindow | null {
  const current = windowsBetween(rule, at, new Date(at.getTime() + 1)).find((w) => w.start <= at);
  if (!current) return null;
  let end = current.end;
  for (let i = 0; i < MAX_CHAIN; i++) {
    const next = windowsBetween(rule, end, new Date(end.getTime() + 1)).find((w) => w.start <= end && w.end > end);
    if (!next) break;
    end = next.end;
  }
  return { start: current.start, end };
}

/** The next `count` windows that end after `after` (the one in force included). */
export function upcomingWindows(rule: Rule, after: Date, count: number): FreezeWindow[] {
  const out: FreezeWindow[] = [];
  let from = after;
  const horizon = after.getTime() + FREEZE_HORIZON_DAYS * DAY;
  while (out.length < count && from.getTime() < horizon) {
    const to = new Date(Math.min(horizon, from.getTime() + 31 * DAY));
    for (const w of windowsBetween(rule, from, to)) if (out.length < count && !out.some((o) => o.start.getTime() === w.start.getTime())) out.push(w);
    from = to;
  }
  return out;
}

function active(rule: Rule, w: FreezeWindow): ActiveFreeze {
  const seconds = Math.floor(w.end.getTime() / SECOND);
  return { name: rule.name, reason: rule.reason, scope: rule.scope, timeZone: rule.timeZone, until: w.end.toISOString(), untilLocal: isoInZone(seconds, rule.timeZone).slice(0, 16).replace('T', ' ') };
}

/**
 * The freezes in force at `at` that may concern `fleet` (null: any): those of every fleet, of this one, and
 * those of labels (the workflow decides which steps those hold). A rule that cannot be evaluated
 * (a hostile record, a zone this machine lacks) is taken as in force for an hour: it fails closed.
 */
export function freezesInForce(all: readonly Rule[], fleet: string | null, at: Date): ActiveFreeze[] {
  return all.flatMap((rule) => {
    if (fleet !== null && rule.scope !== 'all' && 'fleet' in rule.scope && rule.scope.fleet !== fleet) return [];
    try {
      const w = windowAt(rule, at);
      return w ? [active(rule, w)] : [];
    } catch (err) {
      return [active({ ...rule, reason: `${rule.reason} (cannot be evaluated: ${(err as Error).message})`, timeZone: isKnownTimeZone(rule.timeZone) ? rule.timeZone : 'UTC' }, { start: at, end: new Date(at.getTime() + 3_600_000) })];
    }
  });
}

/**
 * A freeze rule as a file or `freeze add` gives it: the structural shape, then what only this side
 * can check: the zone exists, the RRULE parses and has a window in the next 400 days.
 */
export const freezeRuleSchema = freezeRuleShape.superRefine((rule, ctx) => {
  if (!isKnownTimeZone(rule.timeZone)) {
    ctx.addIssue({ code: 'custom', path: ['timeZone'], message: 'expected an IANA time zone such as "America/New_York" or "UTC"' });
    return;
  }
  if (rule.rrule === undefined || rule.start === undefined || rule.duration === undefined) return;
  try {
    parseRrule(rule.rrule, rule.start);
  } catch (err) {
    ctx.addIssue({ code: 'custom', path: ['rrule'], message: `RRULE "${rule.rrule}": ${(err as Error).message}` });
    return;
  }
  if (upcomingWindows(rule as Rule, new Date(), 1).length === 0) {
    ctx.addIssue({ code: 'custom', path: ['rrule'], message: `no window in the next ${FREEZE_HORIZON_DAYS} days: the freeze would never hold anything` });
  }
});

/** A freeze calendar file (playbooks/freezes/*.yaml): the freezes `rampart freeze apply` puts in force. */
export const freezeCalendarSchema = z
  .strictObject({
    freezes: z.array(freezeRuleSchema).max(200, 'expected at most 200 freezes'),
  })
  .superRefine((calendar, ctx) => {
    const seen = new Map<string, number>();
    calendar.freezes.forEach((f, i) => {
      if (seen.has(f.name)) ctx.addIssue({ code: 'custom', path: ['freezes', i, 'name'], message: `freeze "${f.name}" is named twice (first at freezes[${seen.get(f.name)}])` });
      else seen.set(f.name, i);
    });
  });

export type FreezeCalendar = z.infer<typeof freezeCalendarSchema>;

/** "all fleets", "fleet prod", "targets labelled region=eu". */
export function describeScope(scope: FreezeScope): string {
  if (scope === 'all') return 'all fleets';
  if ('fleet' in scope) return `fleet ${scope.fleet}`;
  return `targets labelled ${Object.entries(scope.labels).map(([k, v]) => `${k}=${v}`).join(',')}`;
}
