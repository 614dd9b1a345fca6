import { z } from 'zod';

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
// At most 15 digits: any more cannot be a duration anyone means, and Number() would round them.
const DURATION = /^(\d{1,15})(ms|s|m|h|d)$/;

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/**
 * Parses "90s", "10m", "2h", "1d", "250ms" into milliseconds; undefined when malformed or when
 * the result is not a safe integer (so never Infinity, never a rounded huge number).
 */
export function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text.trim());
  if (!match) return undefined;
  const ms = Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  return Number.isSafeInteger(ms) ? ms : undefined;
}

export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) {
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

/**
 * A duration written as text in playbooks, policy files and flags ("10m"), carried as
 * milliseconds, from `min` to `max` inclusive. Every duration Rampart reads has such a range:
 * a workflow's timers and date arithmetic only work with finite, sensible values, so what
 * validates is what runs. The message names the range ("expected a duration from 1s to 1h").
 */
export function durationBetween(min: number, max: number): z.ZodType<number, string> {
  const rule = `expected a duration from ${formatDuration(min)} to ${formatDuration(max)}, such as "${formatDuration(Math.min(max, Math.max(min, 10 * MINUTE)))}"`;
  return z
    .string({ error: rule })
    .transform((text, ctx) => {
      const ms = parseDuration(text);
      if (ms === undefined || ms < min || ms > max) {
        ctx.addIssue({ code: 'custom', message: rule });
        return z.NEVER;
      }
      return ms;
    });
}

/** The widest range any duration has (0 to 365 days); fields use narrower ones of their own. */
export const MAX_DURATION = 365 * DAY;

/** A duration of any length Rampart accepts at all; prefer `durationBetween` with the field's own range. */
export const durationSchema = durationBetween(0, MAX_DURATION);
