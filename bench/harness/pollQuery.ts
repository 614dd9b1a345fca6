import { setTimeout as delay } from 'node:timers/promises';
import { WorkflowNotFoundError, type WorkflowHandle } from '@temporalio/client';
import type { QueryDefinition } from '@temporalio/common';
import { abortable } from './abortable';

export interface PollOptions<T> {
  intervalMs: number;
  timeoutMs: number;
  signal: AbortSignal;
  /** A reason to give up early: the awaited answer can no longer come. */
  stop?: (answer: T) => string | undefined;
  /** Keep polling while the workflow does not exist yet (a child about to start). */
  awaitStart?: boolean;
}

export interface PollResult<T> {
  answer: T;
  /** performance.now() when the query that first satisfied `done` returned. */
  seenAt: number;
  queries: number;
  /** Mean round trip of the queries, in ms. */
  meanQueryMs: number;
}

/**
 * Sends the query (the contract's definition) every `intervalMs` (plus its own round trip) until `done` holds; bounded by
 * `timeoutMs` and by the abort signal.
 */
export async function pollQuery<T>(handle: WorkflowHandle, query: QueryDefinition<T>, done: (answer: T) => boolean, options: PollOptions<T>): Promise<PollResult<T>> {
  const deadline = performance.now() + options.timeoutMs;
  let queries = 0;
  let queryMs = 0;
  let latest = 'no answer yet';
  for (;;) {
    options.signal.throwIfAborted();
    const sentAt = performance.now();
    let answer: T | undefined;
    try {
      answer = await abortable(handle.query(query), options.signal);
    } catch (error) {
      if (!(options.awaitStart && error instanceof WorkflowNotFoundError)) throw error;
    }
    const seenAt = performance.now();
    if (answer !== undefined) {
      queries++;
      queryMs += seenAt - sentAt;
      if (done(answer)) return { answer, seenAt, queries, meanQueryMs: queryMs / queries };
      const why = options.stop?.(answer);
      if (why) throw new Error(`${handle.workflowId}: ${why}`);
      latest = JSON.stringify(answer).slice(0, 300);
    }
    if (seenAt > deadline) throw new Error(`${handle.workflowId}: '${query.name}' not as awaited after ${options.timeoutMs} ms; last answer ${latest}`);
    await delay(options.intervalMs, undefined, { signal: options.signal });
  }
}
