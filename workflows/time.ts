/** Workflow time as ISO text: Date.now() inside the workflow sandbox is replay-safe workflow time. */
export function isoNow(): string {
  return new Date(Date.now()).toISOString();
}

/** The longest one workflow timer waits: ten years, in effect "until a human decides". */
export const MAX_WAIT_MS = 3650 * 86_400_000;

/** The end of Date's range (year 275760): `new Date(x).toISOString()` throws past it. */
const MAX_DATE_MS = 8.64e15;

/**
 * A duration from input, made safe for a timer and for date arithmetic: a finite number of ms
 * from 0 to MAX_WAIT_MS. NaN, Infinity (null once it has been through JSON), a negative number
 * or no number at all becomes `fallback`; more than MAX_WAIT_MS becomes MAX_WAIT_MS. Unbounded,
 * such a value makes Temporal's sleep or toISOString throw, and every workflow task fails there
 * from then on, an emergency stop's included. A valid duration is returned unchanged.
 */
export function boundedWait(ms: unknown, fallback = MAX_WAIT_MS): number {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) return fallback;
  return Math.min(ms, MAX_WAIT_MS);
}

/** An instant (ms since the epoch) as ISO text, never throwing: outside Date's range it is its nearest end. */
export function isoAt(ms: number): string {
  if (Number.isNaN(ms)) return new Date(MAX_DATE_MS).toISOString();
  return new Date(Math.max(-MAX_DATE_MS, Math.min(MAX_DATE_MS, ms))).toISOString();
}
