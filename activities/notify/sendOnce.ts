import type { LedgerEntry, SentLedger } from './sentLedger';

export interface SendOnceOptions<R> {
  /** The idempotency key: the same key never sends twice. */
  key: string;
  send: () => Promise<R>;
  /** True when an error proves nothing was sent (the other side refused it). */
  sentNothing: (err: unknown) => boolean;
  /**
   * Looks on the other side for what an earlier, unfinished attempt may have sent (a crash after
   * the send was accepted, before `done` was recorded); undefined when nothing is there. Without
   * it such a send is repeated (email: with the same Message-ID, so it threads as the same mail).
   */
  recover?: (entry: LedgerEntry) => Promise<R | undefined>;
  /** Where sends are recorded: the worker's ledger. */
  ledger: SentLedger;
}

export interface SendOnceResult<R> {
  result: R;
  /** 'sent' now, 'recorded' from the ledger, 'recovered' found on the other side. */
  how: 'sent' | 'recorded' | 'recovered';
}

/**
 * Sends at most once per key, as far as the ledger and `recover` can tell: a key recorded as done
 * returns its recorded result; a key whose earlier attempt may have sent is looked up before
 * sending again; a send is recorded as begun (durably) before it goes out and done after.
 */
export async function sendOnce<R>(options: SendOnceOptions<R>): Promise<SendOnceResult<R>> {
  const { key, ledger } = options;
  return ledger.exclusive(key, async () => {
    const entry = await ledger.get(key);
    if (entry?.state === 'done') return { result: entry.result as R, how: 'recorded' };
    if (entry?.mayHaveSent && options.recover) {
      const found = await options.recover(entry);
      if (found !== undefined) {
        await ledger.record(key, 'done', found);
        return { result: found, how: 'recovered' };
      }
      await ledger.record(key, 'cleared');
    }
    await ledger.record(key, 'begin');
    let result: R;
    try {
      result = await options.send();
    } catch (err) {
      // Best effort: without it the next attempt merely looks for a send that did not happen.
      if (options.sentNothing(err)) await ledger.record(key, 'failed').catch(() => undefined);
      throw err;
    }
    await ledger.record(key, 'done', result);
    return { result, how: 'sent' };
  });
}
