import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';

/** The message a user sees: Temporal wraps it as the error's cause (update rejections, workflow failures). */
export function userMessage(err: unknown): string {
  const e = err as Error;
  return `${e.message} ${(e.cause as Error | undefined)?.message ?? ''}`;
}

export async function rejectsWith(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(promise, (err) => {
    assert.match(userMessage(err), pattern);
    return true;
  });
}

/** Runs `run` and returns the ApplicationFailure it throws. */
export async function failureOf(run: () => Promise<unknown>): Promise<ApplicationFailure> {
  try {
    await run();
  } catch (err) {
    assert.ok(err instanceof ApplicationFailure, `expected an ApplicationFailure, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a failure');
}
