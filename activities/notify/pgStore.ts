import pg from 'pg';
import { KeyedMutex } from './sentLedger';

/**
 * One PostgreSQL database shared by every worker pointing at it: the connection pools, schema
 * creation on first use, one-transaction writes and locks that hold across processes and hosts.
 * The sent ledger (pgSentLedger.ts) and the customer notice decisions (pgNoticeDecisionLog.ts)
 * are built on one store per URL.
 *
 * - `ensureSchema(ddl)` runs CREATE ... IF NOT EXISTS in a transaction under an advisory lock, so
 *   workers starting together do not trip over each other's CREATE; a failure is tried again on
 *   the next call.
 * - `exclusive(name, run)` holds a transaction-level advisory lock (`pg_advisory_xact_lock`) on
 *   the name for the whole run: no other process runs for the same name meanwhile. Calls in this
 *   process queue in memory first, so waiting calls do not each hold a connection, and locks are
 *   held on a pool of their own, so runs holding locks never starve the reads and writes they make.
 *   Should the connection holding a lock break mid-run, the lock goes with it.
 */
export interface PgStoreOptions {
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

const [SQL_BEGIN, SQL_COMMIT, SQL_ROLLBACK] = ['BEGIN', 'COMMIT', 'ROLLBACK'];

/** Any constant: serialises schema creation between processes. */
const SCHEMA_LOCK = 0x72616d70; // "ramp"

export class PgStore {
  private readonly pool: pg.Pool;
  private readonly lockPool: pg.Pool;
  private readonly mutex = new KeyedMutex();
  private readonly schemas = new Map<string, Promise<void>>();
  private closing: Promise<void> | undefined;
  readonly origin: string;

  constructor(readonly options: PgStoreOptions) {
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

  /** Creates tables (idempotent DDL) once per store. */
  ensureSchema(ddl: string): Promise<void> {
    let schema = this.schemas.get(ddl);
    if (!schema) {
      schema = this.transaction(async (client) => {
        await client.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK]);
        await client.query(ddl);
      });
      this.schemas.set(ddl, schema);
      schema.catch(() => this.schemas.delete(ddl));
    }
    return schema;
  }

  /** Runs `run` while no other call for `name`, in any process on this database, runs. */
  exclusive<T>(name: string, run: () => Promise<T>): Promise<T> {
    return this.mutex.run(name, () =>
      this.transaction(async (client) => {
        await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [name]);
        return run();
      }, this.lockPool),
    );
  }

  /** `work` in one transaction, committed before this resolves; rolled back when it throws. */
  async transaction<T>(work: (client: pg.PoolClient) => Promise<T>, pool = this.pool): Promise<T> {
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

  async query<R extends pg.QueryResultRow>(text: string, values: unknown[]): Promise<R[]> {
    const client = await this.connect(this.pool);
    try {
      return (await client.query<R>(text, values)).rows;
    } finally {
      client.release();
    }
  }

  /** Ends both pools; a second call waits for the first. */
  close(): Promise<void> {
    this.closing ??= Promise.all([this.pool.end(), this.lockPool.end()]).then(() => undefined);
    return this.closing;
  }

  private async connect(pool: pg.Pool): Promise<pg.PoolClient> {
    try {
      return await pool.connect();
    } catch (err) {
      throw new LedgerUnavailableError(`the shared ledger at ${this.origin} (${redactedUrl(this.options.url)}) cannot be reached: ${describe(err)}`, {
        cause: err,
      });
    }
  }
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
