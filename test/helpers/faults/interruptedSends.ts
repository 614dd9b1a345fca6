import pg from 'pg';

/**
 * A send that began and never finished, as the shared ledger tells it: a `begin` followed by
 * another `begin` of the same key with nothing in between (no done, failed or cleared), which is
 * what an attempt killed mid-send leaves behind.
 */
export interface InterruptedSend {
  /** The ledger's key: `email:<key>`, `webhook:<notice key>/webhook`, ... */
  key: string;
  /** The mail's Message-ID from the key's `done` row, for mails. */
  messageId?: string;
  /** ms since the epoch: the interrupted attempt's begin, and the begin of the attempt after it. */
  beganAt: number;
  retriedAt: number;
}

interface Row {
  key: string;
  event: string;
  result: { messageId?: unknown } | null;
  at: Date;
}

/** Every interrupted send in the ledger at `url` (rampart_sent_events, pgSentLedger.ts). */
export async function readInterruptedSends(url: string): Promise<InterruptedSend[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<Row>('SELECT key, event, result, at FROM rampart_sent_events ORDER BY key, id');
    return interruptedSends(rows);
  } finally {
    await client.end();
  }
}

export function interruptedSends(rows: Row[]): InterruptedSend[] {
  const found: InterruptedSend[] = [];
  const messageIds = new Map<string, string>();
  let open: Row | undefined;
  for (const row of rows) {
    if (open && open.key !== row.key) open = undefined;
    if (row.event === 'done' && typeof row.result?.messageId === 'string') messageIds.set(row.key, row.result.messageId);
    if (row.event === 'begin' && open) found.push({ key: row.key, beganAt: open.at.getTime(), retriedAt: row.at.getTime() });
    open = row.event === 'begin' ? row : undefined;
  }
  return found.map((send) => {
    const messageId = messageIds.get(send.key);
    return messageId === undefined ? send : { ...send, messageId };
  });
}
