import { ActivityFailure, sleep } from '@temporalio/workflow';
import type { Customer, CustomerArg, CustomersFileRef, RosterEntry } from '../domain/customers';
import { noticeKey, type BatchNoticeFields, type BatchNoticeOutcome, type CustomerNotice, type NoticeCategory, type NoticeFacts, type NoticeKind } from '../domain/customerNotice';
import type { NoticeRecord } from '../domain/customerRolloutStatus';
import { CUSTOMER_BATCH, customerBatchDelivery, customerDelivery, DELIVERY_ATTEMPTS } from './customerActivities';
import type { CustomerTracker } from './customerTracker';
import { inBatches } from '../domain/batches';
import { boundedWait, isoNow } from './time';

/** A notice waiting for its batch, with the sequence number its key was made from. */
interface Queued {
  customerId: string;
  notice: CustomerNotice;
  seq: number;
}

type BaseFacts = Omit<NoticeFacts, 'window' | 'impact' | 'action' | 'nextUpdateAt' | 'changes'>;

/**
 * Sends customers their notices from the rollout's own state, in the background so a notice held
 * over someone's quiet hours never holds up a wave. Every notice ends up accounted for in the
 * status: sent, suppressed, held, batched into a digest, or failed.
 */
export class CustomerNotifier {
  private readonly seq = new Map<string, number>();
  private readonly pending: Promise<void>[] = [];
  private readonly digest = new Map<string, { at: string; text: string }[]>();
  /** Notices sent since the last batch went out (batched delivery only). */
  private queue: Queued[] = [];

  /**
   * `batched`: notices sent in one go (a step's customers, an incident's affected) travel in
   * batch activities of CUSTOMER_BATCH, so thousands of customers do not grow the history by
   * thousands of activities. Off only for rollouts started before batches (patch customer-batches).
   */
  constructor(
    private readonly rolloutId: string,
    private readonly customers: Map<string, RosterEntry>,
    private readonly status: CustomerTracker,
    private base: BaseFacts,
    private readonly batched: boolean,
    /** Set when the customers file went by reference: activities are handed customers by id. */
    private readonly customersFile?: CustomersFileRef,
  ) {}

  /** The version customers move away from is known once the targets have been read. */
  setFromVersion(fromVersion: string): void {
    this.base = { ...this.base, fromVersion };
  }

  /** Sends one notice to one customer; the key makes it once-only across retries and replays. */
  send(customerId: string, kind: NoticeKind, category: NoticeCategory, facts: Partial<NoticeFacts> = {}): string {
    const n = (this.seq.get(`${customerId}/${kind}`) ?? 0) + 1;
    this.seq.set(`${customerId}/${kind}`, n);
    const notice: CustomerNotice = {
      key: noticeKey(this.rolloutId, customerId, kind, n),
      rolloutId: this.rolloutId,
      kind,
      category,
      createdAt: isoNow(),
      facts: { ...this.base, ...facts },
    };
    if (!this.batched) {
      this.pending.push(this.deliver(customerId, notice));
      return notice.key;
    }
    // Everything sent before the workflow next waits goes out together: the batch leaves on a microtask.
    if (this.queue.length === 0) this.pending.push(Promise.resolve().then(() => this.deliverQueued()));
    this.queue.push({ customerId, notice, seq: n });
    return notice.key;
  }

  /** A minor change: batched into the customer's next digest rather than sent on its own. */
  batch(customerId: string, text: string): void {
    const queue = this.digest.get(customerId) ?? [];
    queue.push({ at: isoNow(), text });
    this.digest.set(customerId, queue);
    const n = (this.seq.get(`${customerId}/digest`) ?? 0) + 1;
    this.record(customerId, { key: noticeKey(this.rolloutId, customerId, 'digest', n), kind: 'digest', category: 'digest', at: isoNow(), outcome: 'batched', reason: text });
  }

  /** Sends what is batched for a customer as one digest. */
  flushDigest(customerId: string): void {
    const changes = this.digest.get(customerId);
    if (!changes || changes.length === 0) return;
    this.digest.delete(customerId);
    this.send(customerId, 'digest', 'digest', { changes });
  }

  /** Waits until every notice is delivered or accounted for; the rollout does not end before. */
  async settle(): Promise<void> {
    for (const id of this.customers.keys()) this.flushDigest(id);
    while (this.pending.length > 0) await Promise.all(this.pending.splice(0));
  }

  private async deliver(customerId: string, notice: CustomerNotice): Promise<void> {
    const customer = this.customers.get(customerId) as Customer; // before batches, customers always came whole
    const entry = { key: notice.key, kind: notice.kind, category: notice.category };
    for (;;) {
      let outcome;
      try {
        outcome = await customerDelivery.deliverCustomerNotice({ notice, customer });
      } catch (err) {
        const why = err instanceof ActivityFailure && err.cause ? err.cause.message : String(err);
        this.record(customerId, { ...entry, at: isoNow(), outcome: 'failed', reason: why });
        return;
      }
      if (outcome.outcome === 'held') {
        this.record(customerId, { ...entry, at: isoNow(), outcome: 'held', reason: `${outcome.reason}; goes out at ${outcome.until}` });
        // Bounded: an `until` that is no time would make sleep throw (NaN) and fail the rollout's every task.
        await sleep(boundedWait(Math.max(1000, Date.parse(outcome.until) - Date.now()), 1000));
        continue;
      }
      if (outcome.outcome === 'sent') this.record(customerId, { ...entry, at: isoNow(), outcome: 'sent', channels: outcome.channels });
      else this.record(customerId, { ...entry, at: isoNow(), outcome: 'suppressed', reason: outcome.reason });
      return;
    }
  }

  private async deliverQueued(): Promise<void> {
    const queued = this.queue;
    this.queue = [];
    await Promise.all(inBatches(queued, CUSTOMER_BATCH).map((batch) => this.deliverBatch(batch)));
  }

  /** One batch; notices held over quiet hours go out again together when those hours end. */
  private async deliverBatch(batch: Queued[]): Promise<void> {
    let outcomes: BatchNoticeOutcome[];
    try {
      const { shared, own } = splitShared(batch);
      const answer = await customerBatchDelivery.deliverCustomerNotices({
        items: batch.map(({ customerId }, i) => ({ notice: own[i]!, ...this.customerArg(customerId) })),
        shared,
        lastAttempt: DELIVERY_ATTEMPTS,
        ...(this.customersFile ? { customersFile: this.customersFile } : {}),
      });
      outcomes = answer.of.map((i) => answer.distinct[i]!);
    } catch (err) {
      const why = err instanceof ActivityFailure && err.cause ? err.cause.message : String(err);
      outcomes = batch.map(() => ({ outcome: 'failed', reason: why }));
    }
    const heldUntil = new Map<string, typeof batch>();
    outcomes.forEach((outcome, i) => {
      const { customerId, notice } = batch[i]!;
      const entry = { key: notice.key, kind: notice.kind, category: notice.category, at: isoNow() };
      if (outcome.outcome === 'held') {
        this.record(customerId, { ...entry, outcome: 'held', reason: `${outcome.reason}; goes out at ${outcome.until}` });
        const held = heldUntil.get(outcome.until) ?? [];
        held.push(batch[i]!);
        heldUntil.set(outcome.until, held);
      } else if (outcome.outcome === 'sent') this.record(customerId, { ...entry, outcome: 'sent', channels: outcome.channels });
      else this.record(customerId, { ...entry, outcome: outcome.outcome, reason: outcome.reason });
    });
    await Promise.all([...heldUntil].map(async ([until, held]) => {
      await sleep(boundedWait(Math.max(1000, Date.parse(until) - Date.now()), 1000));
      await this.deliverBatch(held);
    }));
  }

  private customerArg(customerId: string): CustomerArg {
    return this.customersFile ? { customerId } : { customer: this.customers.get(customerId) as Customer };
  }

  private record(customerId: string, record: NoticeRecord): void {
    this.status.noticeRecorded(customerId, record);
  }
}

/** The keys of `all` whose values are the same in every one, and the values of the others, one object each. */
function sameInAll<T extends object>(all: T[]): { same: Partial<T>; rest: Partial<T>[] } {
  const keys = [...new Set(all.flatMap((o) => Object.keys(o)))] as (keyof T)[];
  const first = all[0]!;
  const same = new Set(keys.filter((k) => all.every((o) => k in o && JSON.stringify(o[k]) === JSON.stringify(first[k]))));
  const pick = (o: T, keep: (k: keyof T) => boolean) => Object.fromEntries(Object.entries(o).filter(([k]) => keep(k as keyof T))) as Partial<T>;
  return { same: pick(first, (k) => same.has(k)), rest: all.map((o) => pick(o, (k) => !same.has(k))) };
}

/**
 * What is the same in every notice of a batch travels once: the rollout, kind and time, release
 * notes and component, often the window too. A batch of 250 notices then carries little more
 * than 250 keys, where it would repeat everything 250 times in the rollout's history.
 */
function splitShared(batch: Queued[]): { shared: BatchNoticeFields; own: BatchNoticeFields[] } {
  // The key is rebuilt from rollout, customer, kind and sequence number (noticeKey): only the number travels.
  const { same, rest } = sameInAll(batch.map(({ seq, notice: { facts: _facts, key: _key, ...fields } }) => ({ ...fields, seq })));
  const facts = sameInAll(batch.map((b) => b.notice.facts));
  return { shared: { ...same, facts: facts.same }, own: rest.map((fields, i) => ({ ...fields, facts: facts.rest[i] as NoticeFacts })) };
}
