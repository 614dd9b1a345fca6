import { PgStore, type PgStoreOptions } from './pgStore';
import { entryFromEvents, type LedgerEntry, type LedgerEvent, type LedgerLine, type SentLedger } from './sentLedger';

export { LedgerUnavailableError } from './pgStore';

/**
 * The sent ledger in PostgreSQL, shared by every worker that points at the same database: what
 * several worker processes (or workers on several hosts) need, where the JSONL file serves one.
 *
 * Two tables, created on first use (pgStore.ts: in a transaction, under an advisory lock):
 *
 * - `rampart_sent_keys`: one row per send, the idempotency key as primary key, with the entry as
 *   it stands after its latest event (for people reading the table; the events are the truth).
 * - `rampart_sent_events`: every begin/done/failed/cleared, in recorded order.
 *
 * `record` locks the key's row, appends the event, folds the key's events into its entry with the
 * same function the file ledger uses (applyLedgerEvent), stores it and commits: one transaction
 * per event, committed before the caller acts on it. `exclusive(key)` holds an advisory lock on
 * the key for the whole run (PgStore.exclusive), so no other process, on any host, runs for the
 * same key at the same time. Should the connection holding it break mid-run, the next holder finds
 * the run's `begin` without a `done` (mayHaveSent) and looks before sending again, as after any crash.
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS rampart_sent_keys (
  key text PRIMARY KEY,
  state text NOT NULL,
  attempts integer NOT NULL,
  may_have_sent boolean NOT NULL,
  first_began_at timestamptz,
  result jsonb,
  updated_at timestamptz NOT NULL
);
CREATE TABLE IF NOT EXISTS rampart_sent_events (
  id bigserial PRIMARY KEY,
  key text NOT NULL REFERENCES rampart_sent_keys (key),
  event text NOT NULL CHECK (event IN ('begin', 'done', 'failed', 'cleared')),
  result jsonb,
  at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS rampart_sent_events_key ON rampart_sent_events (key, id);
`;

interface EventRow {
  event: LedgerEvent;
  result: unknown;
  /** SQL NULL (no result given), as opposed to a JSON null given as the result. */
  no_result: boolean;
  at: Date;
}

const EVENTS_OF_KEY = 'SELECT event, result, result IS NULL AS no_result, at FROM rampart_sent_events WHERE key = $1 ORDER BY id';

export class PgSentLedger implements SentLedger {
  readonly store: PgStore;

  /** On a store shared with the decision log, or on its own pools from options. */
  constructor(store: PgStore | PgStoreOptions) {
    this.store = store instanceof PgStore ? store : new PgStore(store);
  }

  exclusive<T>(key: string, run: () => Promise<T>): Promise<T> {
    return this.ready().then(() => this.store.exclusive(`rampart.sent:${key}`, run));
  }

  async get(key: string): Promise<LedgerEntry | undefined> {
    await this.ready();
    const rows = await this.store.query<EventRow>(EVENTS_OF_KEY, [key]);
    return entryFromEvents(key, rows.map((row) => lineOf(key, row)));
  }

  async record(key: string, event: LedgerEvent, result?: unknown): Promise<LedgerEntry> {
    await this.ready();
    const at = new Date();
    return this.store.transaction(async (client) => {
      await client.query(
        `INSERT INTO rampart_sent_keys (key, state, attempts, may_have_sent, updated_at) VALUES ($1, 'pending', 0, false, $2) ON CONFLICT (key) DO NOTHING`,
        [key, at],
      );
      await client.query('SELECT key FROM rampart_sent_keys WHERE key = $1 FOR UPDATE', [key]);
      await client.query('INSERT INTO rampart_sent_events (key, event, result, at) VALUES ($1, $2, $3, $4)', [
        key,
        event,
        result === undefined ? null : JSON.stringify(result),
        at,
      ]);
      const { rows } = await client.query<EventRow>(EVENTS_OF_KEY, [key]);
      const entry = entryFromEvents(key, rows.map((row) => lineOf(key, row)))!;
      await client.query(
        'UPDATE rampart_sent_keys SET state = $2, attempts = $3, may_have_sent = $4, first_began_at = $5, result = $6, updated_at = $7 WHERE key = $1',
        [key, entry.state, entry.attempts, entry.mayHaveSent, entry.firstBeganAt, entry.result === undefined ? null : JSON.stringify(entry.result), at],
      );
      return entry;
    });
  }

  /** Closes the store's pools (also for the decision log sharing them). */
  close(): Promise<void> {
    return this.store.close();
  }

  private ready(): Promise<void> {
    return this.store.ensureSchema(SCHEMA);
  }
}

function lineOf(key: string, row: EventRow): LedgerLine {
  return { key, event: row.event, at: row.at.toISOString(), ...(row.no_result ? {} : { result: row.result }) };
}
