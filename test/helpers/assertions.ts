import assert from 'node:assert/strict';

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
