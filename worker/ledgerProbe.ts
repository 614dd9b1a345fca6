import type { PgStore } from '../activities/notify/pgStore';

/** The shared ledger did not answer at start-up; the message names its address, never the password. */
export class LedgerUnreachableError extends Error {
  override readonly name = 'LedgerUnreachableError';
}

/**
 * One round trip to the shared ledger before the worker polls anything: a worker that cannot
 * record a send must not take a task that sends (it would fail every attempt, or worse, send and
 * not record). Nothing is written, so a failure here leaves nothing half-done anywhere.
 */
export async function assertLedgerAnswers(store: PgStore, address: string): Promise<void> {
  try {
    await store.query('SELECT 1', []);
  } catch (err) {
    throw new LedgerUnreachableError(`cannot reach the shared ledger (RAMPART_LEDGER_URL) at ${address}: ${reason(err)}`, { cause: err });
  }
}

/** pg's own reason (ECONNREFUSED, ENOENT, an authentication failure): the innermost message. */
function reason(err: unknown): string {
  let inner = err as { cause?: unknown; message?: string; code?: string; errors?: unknown[] };
  while (inner?.cause) inner = inner.cause as typeof inner;
  if (inner?.errors?.length) return inner.errors.map(reason).join('; ');
  return inner?.message || inner?.code || String(inner);
}
