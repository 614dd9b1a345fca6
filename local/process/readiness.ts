import { setTimeout as delay } from 'node:timers/promises';

/** Waiting, bounded, until something is ready: a line in a log, an HTTP answer, a gRPC call. */

export class NotReadyError extends Error {
  constructor(
    message: string,
    /** Where to read what happened (a log file), when there is one. */
    readonly logFile?: string,
  ) {
    super(message);
    this.name = 'NotReadyError';
  }
}

export interface PollOptions {
  timeoutMs: number;
  /** Default 100 ms. */
  pollMs?: number;
  /** Checked before each attempt: a message means give up now (e.g. the process exited). */
  failFast?: () => string | undefined;
  /** Stops waiting. */
  signal?: AbortSignal;
  /** The error when time runs out. */
  onTimeout: () => Error;
}

/**
 * Calls `check` until it returns a value (not undefined), at most until the timeout. A check that
 * throws counts as not ready yet.
 */
export async function pollUntil<T>(check: () => T | undefined | Promise<T | undefined>, options: PollOptions): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const failure = options.failFast?.();
    if (failure !== undefined) throw new NotReadyError(failure);
    if (options.signal?.aborted) throw new NotReadyError('stopped waiting');
    let value: T | undefined;
    try {
      value = await check();
    } catch {
      value = undefined;
    }
    if (value !== undefined) return value;
    if (Date.now() >= deadline) throw options.onTimeout();
    await delay(Math.min(options.pollMs ?? 100, Math.max(0, deadline - Date.now())));
  }
}

/** The last lines of a text, for an error message. */
export function lastLines(text: string, lines = 20): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}
