import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
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
 * The durable record of delivery decisions, `$RAMPART_STATE_DIR/customer-notices.jsonl` beside the
 * sent ledger: one fsynced JSON line per decision. It makes a decision stable across a retried
 * activity (the same key gets the same answer, also after a worker crash) and it is what the
 * weekly cap counts: routine notices decided 'send' since Monday in the customer's zone.
 *
 * Like the sent ledger it is exact for one worker process (decisions for one customer are
 * serialised) and re-read from the file, so a restarted worker sees every decision. Several
 * workers need a shared store with the notice key as primary key.
 */
export class NoticeDecisionLog {
  private readonly latest = new Map<string, RecordedDecision>();
  /** Per customer: routine notice key -> when it was decided 'send' (ms). */
  private readonly routineSends = new Map<string, Map<string, number>>();
  private readOffset = 0;
  private handle: Promise<FileHandle> | undefined;
  private writes: Promise<void> = Promise.resolve();
  private readonly mutex = new KeyedMutex();

  constructor(readonly file: string) {}

  /** Runs `run` while no other decision for this customer runs: the cap is counted and used in one step. */
  forCustomer<T>(customerId: string, run: () => Promise<T>): Promise<T> {
    return this.mutex.run(customerId, run);
  }

  get(key: string): RecordedDecision | undefined {
    this.refresh();
    return this.latest.get(key);
  }

  /** Routine notices decided 'send' for the customer at or after `since`. */
  routineSentSince(customerId: string, since: Date): number {
    this.refresh();
    let count = 0;
    for (const at of this.routineSends.get(customerId)?.values() ?? []) if (at >= since.getTime()) count++;
    return count;
  }

  async record(decision: RecordedDecision): Promise<void> {
    await this.append(`${JSON.stringify(decision)}\n`);
    this.refresh();
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
    let fd: number;
    try {
      fd = openSync(this.file, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    try {
      const size = fstatSync(fd).size;
      if (size <= this.readOffset) return;
      const buffer = Buffer.alloc(size - this.readOffset);
      const read = readSync(fd, buffer, 0, buffer.length, this.readOffset);
      const complete = buffer.subarray(0, read).lastIndexOf(0x0a) + 1;
      this.readOffset += complete;
      for (const raw of buffer.subarray(0, complete).toString('utf8').split('\n')) {
        if (!raw.trim()) continue;
        try {
          const line = JSON.parse(raw) as RecordedDecision;
          if (typeof line.key === 'string' && typeof line.customerId === 'string' && typeof line.decision === 'string') this.apply(line);
        } catch {
          // an incomplete line written as a process died
        }
      }
    } finally {
      closeSync(fd);
    }
  }

  /** One append at a time, each fsynced before the caller acts on the decision. */
  private append(text: string): Promise<void> {
    const write = this.writes.then(async () => {
      const handle = await this.open();
      await handle.appendFile(text, 'utf8');
      await handle.sync();
    });
    this.writes = write.catch(() => undefined);
    return write;
  }

  private open(): Promise<FileHandle> {
    this.handle ??= (async () => {
      await mkdir(path.dirname(this.file), { recursive: true });
      const handle = await open(this.file, 'a+');
      // A torn last line (a crash mid-append) must not swallow the next decision: end it first.
      const { size } = await handle.stat();
      if (size > 0) {
        const last = Buffer.alloc(1);
        await handle.read(last, 0, 1, size - 1);
        if (last[0] !== 0x0a) await handle.appendFile('\n');
      }
      return handle;
    })();
    this.handle.catch(() => {
      this.handle = undefined;
    });
    return this.handle;
  }
}

const logs = new Map<string, NoticeDecisionLog>();

/** The decision log in RAMPART_STATE_DIR (default `.rampart`), one instance per file in this process. */
export function noticeDecisionLog(): NoticeDecisionLog {
  const file = path.resolve(process.env.RAMPART_STATE_DIR ?? '.rampart', DECISION_LOG_FILE);
  let log = logs.get(file);
  if (!log) logs.set(file, (log = new NoticeDecisionLog(file)));
  return log;
}
