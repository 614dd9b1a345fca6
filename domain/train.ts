/**
 * A release train (playbooks/trains/*.yaml): which playbook ships what to which fleet, from
 * which release channel, and when. `rampart schedule apply` turns it into a Temporal Schedule.
 */
import { reviewSchema } from './review';
import { z } from 'zod';
import { DAY, durationBetween, HOUR, SECOND } from './duration';
import { drillMarkerSchema } from './drill';
import { lineText } from './freeText';
import { CALENDAR_FIELDS, CalendarSyntaxError, parseCron, structureCalendar, type StructuredCalendar, type WrittenCalendar } from './trainCalendar';
import { isKnownTimeZone } from './trainTimes';

/** At most 28 characters: a train's rollout ids are train-<name>-<version> and must stay within 100. */
export const trainNameSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,27}$/, 'expected a lower-case name of letters, digits and "-", at most 28 characters');

const fieldValue = z.union([z.string().max(200), z.number().int()], { error: 'expected a number, a name, a range such as "8-14", or "*"' });

const calendarSchema = z
  .strictObject({
    ...Object.fromEntries(CALENDAR_FIELDS.map((f) => [f, z.union([fieldValue, z.array(fieldValue).min(1).max(60)]).optional()])),
    comment: lineText().optional(),
  })
  .transform((written, ctx): StructuredCalendar => {
    const typed = written as WrittenCalendar;
    for (const field of CALENDAR_FIELDS) {
      try {
        structureCalendar({ [field]: typed[field] });
      } catch (err) {
        if (!(err instanceof CalendarSyntaxError)) throw err;
        ctx.addIssue({ code: 'custom', path: [field], message: err.message });
      }
    }
    return ctx.issues.length > 0 ? (z.NEVER as never) : structureCalendar(typed);
  });

const cronSchema = z
  .string()
  .max(200)
  .transform((cron, ctx): StructuredCalendar => {
    try {
      return parseCron(cron);
    } catch (err) {
      if (!(err instanceof CalendarSyntaxError)) throw err;
      ctx.addIssue({ code: 'custom', message: `cron "${cron}": ${err.message}` });
      return z.NEVER;
    }
  });

const wholeSeconds = (ms: number) => ms % SECOND === 0;

const intervalSchema = z
  .strictObject({
    every: durationBetween(SECOND, 366 * DAY).refine(wholeSeconds, 'expected whole seconds'),
    offset: durationBetween(0, 366 * DAY).refine(wholeSeconds, 'expected whole seconds').optional(),
  })
  .refine((i) => (i.offset ?? 0) < i.every, { message: 'the offset must be shorter than the interval', path: ['offset'] });

const relativePath = (what: string) => z.string({ error: `expected the path of the ${what}, relative to the train file` }).min(1).max(1000);

export const trainSchema = z
  .strictObject({
    name: trainNameSchema,
    description: lineText().optional(),
    /** Who approved this train, when, and when it must be reviewed again (domain/review.ts). */
    review: reviewSchema.optional(),
    playbook: relativePath('playbook'),
    fleet: relativePath('fleet file'),
    customers: relativePath('customers file').optional(),
    /** Instead of the escalation policy the playbook names. */
    escalation: relativePath('escalation policy file').optional(),
    /** A folder of artifacts (app-<version>.tar.gz, each with its .sha256), read at each run. */
    channel: relativePath('release channel folder'),
    timeZone: z.string().refine(isKnownTimeZone, 'expected an IANA time zone such as "America/New_York" or "UTC"'),
    calendars: z.array(calendarSchema).max(50).optional(),
    cron: z.array(cronSchema).max(50).optional(),
    intervals: z.array(intervalSchema).max(50).optional(),
    /** Each run starts up to this much after its time (Temporal spreads it deterministically). */
    jitter: durationBetween(0, DAY).optional(),
    /**
     * A run that falls in a freeze holding the train's fleet: `skip` it (recorded as such), or
     * `defer` it to the freeze's end (the run waits, and the schedule skips the runs due meanwhile).
     */
    duringFreeze: z.enum(['skip', 'defer'], { error: 'expected skip or defer' }).default('skip'),
    /** How late a run may still start after the server was down at its time; default 1h. */
    catchupWindow: durationBetween(10 * SECOND, 7 * DAY).optional(),
    /** A game-day train (README: Game days): each run is a drill rollout, pages marked [DRILL], no customer told. */
    drill: drillMarkerSchema.optional(),
  })
  .refine((t) => (t.calendars?.length ?? 0) + (t.cron?.length ?? 0) + (t.intervals?.length ?? 0) > 0, {
    message: 'a train runs on at least one of calendars, cron or intervals',
    path: ['calendars'],
  });

export type Train = z.output<typeof trainSchema>;

export const DEFAULT_CATCHUP_WINDOW_MS = HOUR;

/** Every calendar the train runs on: its own and its cron strings', as the server stores them. */
export function trainCalendars(train: Train): StructuredCalendar[] {
  return [...(train.calendars ?? []), ...(train.cron ?? [])];
}

export function trainIntervals(train: Train): { every: number; offset: number }[] {
  return (train.intervals ?? []).map((i) => ({ every: i.every / SECOND, offset: (i.offset ?? 0) / SECOND }));
}
