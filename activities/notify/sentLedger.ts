import path from 'node:path';
import { DurableJsonl } from './durableJsonl';

/**
 * The idempotency ledger of notifications: what was sent under which key, so that a retried or
 * replayed activity does not post or mail twice.
 *
 * Protocol (see sendOnce.ts): check the key; record `begin` (durably) before sending; record `done`
 * with the result (Slack channel + ts, or the mail's Message-ID) after; record `failed` when the
 * attempt provably sent nothing (the other side refused it), and `cleared` when a look on the other
 * side found nothing an earlier, unfinished attempt may have sent.
 *
 * The built-in ledger is a JSONL file, `$RAMPART_STATE_DIR/notifications.jsonl` (default
 * `.rampart/`), appended and fsynced per event, read in full at first use and cached, then
 * brought up to date from what was appended since before each decision. It is safe for
 * concurrent calls in ONE process (calls for the same key are serialised) and for a worker that
 * restarts. It does NOT make two live worker processes exclusive: both could begin the same key
 * at once. Production with several workers (or workers on several hosts) needs a shared ledger:
 * PgSentLedger (pgSentLedger.ts), which the worker uses when RAMPART_LEDGER_URL is set. Any other
 * `SentLedger` can be passed to createActivities as `sentLedger`.
 */
export type LedgerEvent = 'begin' | 'done' | 'failed' | 'cleared';

export interface LedgerEntry {
  key: string;
  /** 'done' once the send is known to have happened; `result` is then final. */
  state: 'pending' | 'done';
  result?: unknown;
  /** When the first attempt began (ISO); bounds a search of what may have been sent since. */
  firstBeganAt: string | null;
  attempts: number;
  /**
   * An attempt began and may have reached the other side without its `done` being recorded (a
   * crash, a timeout, a lost reply). Before sending again, look for what it may have sent.
   */
  mayHaveSent: boolean;
}

export interface SentLedger {
  /** Runs `run` while no other call holding the same key runs. */
  exclusive<T>(key: string, run: () => Promise<T>): Promise<T>;
  get(key: string): Promise<LedgerEntry | undefined>;
  /** Durably records an event for a key and returns the key's entry after it. */
  record(key: string, event: LedgerEvent, result?: unknown): Promise<LedgerEntry>;
  /** Releases what the ledger holds open (a file, a connection pool); whoever made it calls it. */
  close?(): Promise<void>;
}

/** One recorded event: a line of the file ledger, a row of the Postgres one. */
export interface LedgerLine {
  at: string;
  key: string;
  event: LedgerEvent;
  result?: unknown;
}

/** Entry state plus what the events imply but the entry does not show. */
export interface Tracked extends LedgerEntry {
  /** The last attempt began and has not ended (begin without failed/cleared/done after it). */
  inFlight: boolean;
  /** An earlier attempt ended without knowing whether it sent. */
  unsure: boolean;
}

/**
 * Applies one event to the entries it derives: the one definition of a key's state, shared by
 * every ledger (the file ledger folds its lines, the Postgres ledger its rows, in recorded order).
 */
export function applyLedgerEvent(entries: Map<string, Tracked>, line: LedgerLine): void {
  let entry = entries.get(line.key);
  if (!entry) {
    entry = { key: line.key, state: 'pending', firstBeganAt: null, attempts: 0, mayHaveSent: false, inFlight: false, unsure: false };
    entries.set(line.key, entry);
  }
  if (entry.state === 'done') return; // final
  switch (line.event) {
    case 'begin':
      if (entry.inFlight) entry.unsure = true;
      entry.inFlight = true;
      entry.attempts += 1;
      entry.firstBeganAt ??= line.at;
      break;
    case 'failed':
      entry.inFlight = false;
      break;
    case 'cleared':
      entry.inFlight = false;
      entry.unsure = false;
      break;
    case 'done':
      entry.state = 'done';
      entry.result = line.result;
      entry.inFlight = false;
      entry.unsure = false;
      break;
  }
  entry.mayHaveSent = entry.inFlight || entry.unsure;
}

export function publicEntry(entry: Tracked | undefined): LedgerEntry | undefined {
  if (!entry) return undefined;
  const { inFlight: _inFlight, unsure: _unsure, ...rest } = entry;
  return structuredClone(rest);
}

/** A key's entry from its events in recorded order; undefined when there are none. */
export function entryFromEvents(key: string, lines: Iterable<LedgerLine>): LedgerEntry | undefined {
  const entries = new Map<string, Tracked>();
  for (const line of lines) applyLedgerEvent(entries, { ...line, key });
  return publicEntry(entries.get(key));
}

/** Serialises async work per key, in this process. */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<void>>();

  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(work);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }
}

export class FileSentLedger implements SentLedger {
  private entries: Map<string, Tracked> | undefined;
  private readonly log: DurableJsonl;
  private readonly mutex = new KeyedMutex();

  constructor(readonly file: string) {
    this.log = new DurableJsonl(file);
  }

  exclusive<T>(key: string, run: () => Promise<T>): Promise<T> {
    return this.mutex.run(key, run);
  }

  async get(key: string): Promise<LedgerEntry | undefined> {
    return publicEntry(this.refresh().get(key));
  }

  async record(key: string, event: LedgerEvent, result?: unknown): Promise<LedgerEntry> {
    const line: LedgerLine = { at: new Date().toISOString(), key, event, ...(result === undefined ? {} : { result }) };
    // Fsynced before the caller acts on it.
    await this.log.append(`${JSON.stringify(line)}\n`);
    return publicEntry(this.refresh().get(key))!;
  }

  /**
   * Reads what was appended since the last read (all of it the first time) and applies it. Reading
   * the file rather than trusting the cache lets a worker restarted in a new process, or another
   * process taking turns on the same file, see every event. Only whole lines are read; a torn line
   * left by a crash is skipped.
   */
  private refresh(): Map<string, Tracked> {
    const entries = (this.entries ??= new Map());
    for (const line of this.log.readNew()) {
      if (typeof line.key === 'string' && typeof line.event === 'string') applyLedgerEvent(entries, line as unknown as LedgerLine);
    }
    return entries;
  }

  close(): Promise<void> {
    return this.log.close();
  }
}

export const LEDGER_FILE = 'notifications.jsonl';

const fileLedgers = new Map<string, FileSentLedger>();

/** The file ledger for a state folder; one instance per file in this process. */
export function fileLedgerIn(stateDir: string): FileSentLedger {
  const file = path.resolve(stateDir, LEDGER_FILE);
  let ledger = fileLedgers.get(file);
  if (!ledger) {
    ledger = new FileSentLedger(file);
    fileLedgers.set(file, ledger);
  }
  return ledger;
}
