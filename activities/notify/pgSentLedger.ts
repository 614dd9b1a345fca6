import pg from 'pg';
import { entryFromEvents, KeyedMutex, type LedgerEntry, type LedgerEvent, type LedgerLine, type SentLedger } from './sentLedger';

/**
 * The sent ledger in PostgreSQL, shared by every worker that points at the same database: what
 * several worker processes (or workers on several hosts) need, where the JSONL file serves one.
 *
 * Two tables, created on first use (in a transaction, under an advisory lock, so that workers
 * starting together do not trip over each other's CREATE):
 *
 * - `rampart_sent_keys`: one row per send, the idempotency key as primary key, with the entry as
 *   it stands after its latest event (for people reading the table; the events are the truth).
 * - `rampart_sent_events`: every begin/done/failed/cleared, in recorded order.
 *
 * `record` locks the key's row, appends the event, folds the key's events into its entry with the
 * same function the file ledger uses (applyLedgerEvent), stores it and commits: one transaction
 * per event, committed before the caller acts on it. `exclusive(key)` holds a transaction-level
 * advisory lock on the key (`pg_advisory_xact_lock`) for the whole run, so no other process,
 * on any host, runs for the same key at the same time; calls in this process queue in memory
 * first, so waiting calls do not each hold a connection. The lock is held on a pool of its own,
 * so runs holding locks never starve the reads and writes they make.
 *
 * Should the connection holding a lock break mid-run, the lock goes with it; the next holder then
 * finds the run's `begin` without a `done` (mayHaveSent) and looks before sending again, as after
 * any crash.
 */
export interface PgSentLedgerOptions {
  /** postgres://user:password@host:port/database (or a unix socket folder as `host`). */
  url: string;
  /** Where the URL came from, for messages: "RAMPART_LEDGER_URL". */
  origin?: string;
  /** Connections per pool (one for locks, one for reads and writes). Default 5. */
  poolSize?: number;
  /** How long to wait for a connection. Default 10 s. */
  connectTimeoutMs?: number;
}

/** The database cannot be reached, or refused us: the message names where the URL came from. */
export class LedgerUnavailableError extends Error {
  override readonly name = 'LedgerUnavailableError';
}

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

const [SQL_BEGIN, SQL_COMMIT, SQL_ROLLBACK] = ['BEGIN', 'COMMIT', 'ROLLBACK'];

/** Any constant: serialises schema creation between processes. */
const SCHEMA_LOCK = 0x72616d70; // "ramp"

interface EventRow {
  event: LedgerEvent;
  result: unknown;
  at: Date;
}

export class PgSentLedger implements SentLedger {
  private readonly pool: pg.Pool;
  private readonly lockPool: pg.Pool;
  private readonly mutex = new KeyedMutex();
  private schema: Promise<void> | undefined;
  readonly origin: string;

  constructor(private readonly options: PgSentLedgerOptions) {
    this.origin = options.origin ?? 'the ledger URL';
    const config: pg.PoolConfig = {
      connectionString: options.url,
      max: options.poolSize ?? 5,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    };
    this.pool = new pg.Pool(config);
    this.lockPool = new pg.Pool(config);
    // An idle connection that breaks (the server restarts) must not take the worker down with it.
    this.pool.on('error', () => undefined);
    this.lockPool.on('error', () => undefined);
  }

  exclusive<T>(key: string, run: () => Promise<T>): Promise<T> {
    return this.mutex.run(key, async () => {
      await this.ready();
      return this.transaction(this.lockPool, async (client) => {
        await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`rampart.sent:${key}`]);
        return run();
      });
    });
  }

  async get(key: string): Promise<LedgerEntry | undefined> {
    await this.ready();
    const rows = await this.query<EventRow>(this.pool, 'SELECT event, result, at FROM rampart_sent_events WHERE key = $1 ORDER BY id', [key]);
    return entryFromEvents(key, rows.map((row) => lineOf(key, row)));
  }

  async record(key: string, event: LedgerEvent, result?: unknown): Promise<LedgerEntry> {
    await this.ready();
    const at = new Date();
    return this.transaction(this.pool, async (client) => {
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
      const { rows } = await client.query<EventRow>('SELECT event, result, at FROM rampart_sent_events WHERE key = $1 ORDER BY id', [key]);
      const entry = entryFromEvents(key, rows.map((row) => lineOf(key, row)))!;
      await client.query(
        'UPDATE rampart_sent_keys SET state = $2, attempts = $3, may_have_sent = $4, first_began_at = $5, result = $6, updated_at = $7 WHERE key = $1',
        [key, entry.state, entry.attempts, entry.mayHaveSent, entry.firstBeganAt, entry.result === undefined ? null : JSON.stringify(entry.result), at],
      );
      return entry;
    });
  }

  async close(): Promise<void> {
    await Promise.all([this.pool.end(), this.lockPool.end()]);
  }

  /** Creates the tables once per ledger; a failure is tried again on the next call. */
  private ready(): Promise<void> {
    this.schema ??= this.transaction(this.pool, async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK]);
      await client.query(SCHEMA);
    });
    this.schema.catch(() => {
      this.schema = undefined;
    });
    return this.schema;
  }

  private async transaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.connect(pool);
    let broken = false;
    try {
      await client.query(SQL_BEGIN);
      const result = await work(client);
      await client.query(SQL_COMMIT);
      return result;
    } catch (err) {
      await client.query(SQL_ROLLBACK).catch(() => {
        broken = true;
      });
      throw err;
    } finally {
      client.release(broken);
    }
  }

  private async query<R extends pg.QueryResultRow>(pool: pg.Pool, text: string, values: unknown[]): Promise<R[]> {
    const client = await this.connect(pool);
    try {
      return (await client.query<R>(text, values)).rows;
    } finally {
      client.release();
    }
  }

  private async connect(pool: pg.Pool): Promise<pg.PoolClient> {
    try {
      return await pool.connect();
    } catch (err) {
      throw new LedgerUnavailableError(`the sent ledger at ${this.origin} (${redactedUrl(this.options.url)}) cannot be reached: ${describe(err)}`, { cause: err });
    }
  }
}

function lineOf(key: string, row: EventRow): LedgerLine {
  return { key, event: row.event, at: row.at.toISOString(), ...(row.result === null ? {} : { result: row.result }) };
}

/** The URL without its password, for messages. */
export function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(not a URL)';
  }
}

function describe(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length > 0) return err.errors.map(describe).join('; ');
  const e = err as NodeJS.ErrnoException;
  return e?.message || e?.code || String(err);
}
