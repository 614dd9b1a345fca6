import path from 'node:path';
import { DurableJsonl } from '../notify/durableJsonl';
import { KeyedMutex } from '../notify/sentLedger';

/** What was decided for one notice key, and when. */
export interface RecordedDecision {
  /** When it was decided (ISO); a routine 'send' counts against the customer's week from here. */
  at: string;
  key: string;
  customerId: string;
  routine: boolean;
  decision: 'send' | 'suppressed' | 'held';
  reason?: string;
  /** For 'held': when the hold ends (ISO). */
  until?: string;
}

export const DECISION_LOG_FILE = 'customer-notices.jsonl';

/**
 * Where delivery decisions are kept: the file below for one worker, PgNoticeDecisionLog
 * (pgNoticeDecisionLog.ts) for several sharing a database.
 */
export interface NoticeDecisions {
  /** Runs `run` while no other decision for this customer runs: the cap is counted and used in one step. */
  forCustomer<T>(customerId: string, run: () => Promise<T>): Promise<T>;
  /** The latest decision for a notice key. */
  get(key: string): Promise<RecordedDecision | undefined>;
  /** Routine notices decided 'send' for the customer at or after `since` (each key counted at its first 'send'). */
  routineSentSince(customerId: string, since: Date): Promise<number>;
  /** Durably records a decision before the caller acts on it. */
  record(decision: RecordedDecision): Promise<void>;
}

/**
 * The durable record of delivery decisions, `$RAMPART_STATE_DIR/customer-notices.jsonl` beside the
 * sent ledger: one fsynced JSON line per decision. It makes a decision stable across a retried
 * activity (the same key gets the same answer, also after a worker crash) and it is what the
 * weekly cap counts: routine notices decided 'send' since Monday in the customer's zone.
 *
 * Like the sent ledger it is exact for one worker process (decisions for one customer are
 * serialised) and re-read from the file, so a restarted worker sees every decision. Several
 * workers need the shared one (RAMPART_LEDGER_URL: PgNoticeDecisionLog).
 */
export class NoticeDecisionLog implements NoticeDecisions {
  private readonly latest = new Map<string, RecordedDecision>();
  /** Per customer: routine notice key -> when it was decided 'send' (ms). */
  private readonly routineSends = new Map<string, Map<string, number>>();
  private readonly log: DurableJsonl;
  private readonly mutex = new KeyedMutex();

  constructor(readonly file: string) {
    this.log = new DurableJsonl(file);
  }

  /** Runs `run` while no other decision for this customer runs: the cap is counted and used in one step. */
  forCustomer<T>(customerId: string, run: () => Promise<T>): Promise<T> {
    return this.mutex.run(customerId, run);
  }

  async get(key: string): Promise<RecordedDecision | undefined> {
    this.refresh();
    return this.latest.get(key);
  }

  /** Routine notices decided 'send' for the customer at or after `since`. */
  async routineSentSince(customerId: string, since: Date): Promise<number> {
    this.refresh();
    let count = 0;
    for (const at of this.routineSends.get(customerId)?.values() ?? []) if (at >= since.getTime()) count++;
    return count;
  }

  async record(decision: RecordedDecision): Promise<void> {
    // Fsynced before the caller acts on the decision.
    await this.log.append(`${JSON.stringify(decision)}\n`);
    this.refresh();
  }

  /** Waits for pending appends and closes the file; a later record opens it again. */
  close(): Promise<void> {
    return this.log.close();
  }

  private apply(d: RecordedDecision): void {
    this.latest.set(d.key, d);
    if (d.routine && d.decision === 'send') {
      let sends = this.routineSends.get(d.customerId);
      if (!sends) this.routineSends.set(d.customerId, (sends = new Map()));
      // The first 'send' of a key is the one that counted.
      if (!sends.has(d.key)) sends.set(d.key, Date.parse(d.at));
    }
  }

  /** Applies whole lines appended since the last read; a line torn by a crash is skipped. */
  private refresh(): void {
    for (const line of this.log.readNew()) {
      if (typeof line.key === 'string' && typeof line.customerId === 'string' && typeof line.decision === 'string') {
        this.apply(line as unknown as RecordedDecision);
      }
    }
  }
}

const logs = new Map<string, NoticeDecisionLog>();

/** The decision log in a state folder, one instance per file in this process. */
export function noticeDecisionLogIn(stateDir: string): NoticeDecisionLog {
  const file = path.resolve(stateDir, DECISION_LOG_FILE);
  let log = logs.get(file);
  if (!log) logs.set(file, (log = new NoticeDecisionLog(file)));
  return log;
}
