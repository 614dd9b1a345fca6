import { PgStore, type PgStoreOptions } from '../notify/pgStore';
import type { NoticeDecisions, RecordedDecision } from './noticeDecisionLog';

/**
 * The customer notice decisions in PostgreSQL, beside the sent ledger (the same RAMPART_LEDGER_URL,
 * the same store): what makes the weekly cap exact and a decision stable when several workers
 * deliver notices for the same customer.
 *
 * `rampart_notice_decisions` holds every decision in recorded order, created on first use. As in
 * the file log, a key's decision is its latest row, and a routine notice counts against the cap
 * from its first 'send'. `forCustomer` holds an advisory lock on the customer across processes,
 * so the cap is counted and used in one step by one worker at a time; each decision is committed
 * before the caller acts on it.
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS rampart_notice_decisions (
  id bigserial PRIMARY KEY,
  key text NOT NULL,
  customer_id text NOT NULL,
  routine boolean NOT NULL,
  decision text NOT NULL CHECK (decision IN ('send', 'suppressed', 'held')),
  reason text,
  until timestamptz,
  at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS rampart_notice_decisions_key ON rampart_notice_decisions (key, id);
CREATE INDEX IF NOT EXISTS rampart_notice_decisions_sends ON rampart_notice_decisions (customer_id, key) WHERE routine AND decision = 'send';
`;

interface DecisionRow {
  key: string;
  customer_id: string;
  routine: boolean;
  decision: RecordedDecision['decision'];
  reason: string | null;
  until: Date | null;
  at: Date;
}

export class PgNoticeDecisionLog implements NoticeDecisions {
  readonly store: PgStore;

  /** On a store shared with the sent ledger, or on its own pools from options. */
  constructor(store: PgStore | PgStoreOptions) {
    this.store = store instanceof PgStore ? store : new PgStore(store);
  }

  forCustomer<T>(customerId: string, run: () => Promise<T>): Promise<T> {
    return this.ready().then(() => this.store.exclusive(`rampart.notice:${customerId}`, run));
  }

  async get(key: string): Promise<RecordedDecision | undefined> {
    await this.ready();
    const [row] = await this.store.query<DecisionRow>(
      'SELECT key, customer_id, routine, decision, reason, until, at FROM rampart_notice_decisions WHERE key = $1 ORDER BY id DESC LIMIT 1',
      [key],
    );
    return row && decisionOf(row);
  }

  async routineSentSince(customerId: string, since: Date): Promise<number> {
    await this.ready();
    const [row] = await this.store.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM (
         SELECT min(at) AS first FROM rampart_notice_decisions
         WHERE customer_id = $1 AND routine AND decision = 'send' GROUP BY key
       ) sends WHERE first >= $2`,
      [customerId, since],
    );
    return row?.n ?? 0;
  }

  async record(d: RecordedDecision): Promise<void> {
    await this.ready();
    await this.store.query('INSERT INTO rampart_notice_decisions (key, customer_id, routine, decision, reason, until, at) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
      d.key,
      d.customerId,
      d.routine,
      d.decision,
      d.reason ?? null,
      d.until ?? null,
      d.at,
    ]);
  }

  /** Closes the store's pools (also for the sent ledger sharing them). */
  close(): Promise<void> {
    return this.store.close();
  }

  private ready(): Promise<void> {
    return this.store.ensureSchema(SCHEMA);
  }
}

/** The row as the file log would hold it: optional fields absent, times as ISO strings. */
function decisionOf(row: DecisionRow): RecordedDecision {
  return {
    at: row.at.toISOString(),
    key: row.key,
    customerId: row.customer_id,
    routine: row.routine,
    decision: row.decision,
    ...(row.reason === null ? {} : { reason: row.reason }),
    ...(row.until === null ? {} : { until: row.until.toISOString() }),
  };
}
