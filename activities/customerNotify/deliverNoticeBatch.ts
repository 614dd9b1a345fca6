import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { noticeKey, type BatchNoticeFields, type BatchNoticeOutcome, type CustomerNotice, type DeliverNoticeArgs, type NoticeFacts, type NoticeOutcome } from '../../domain/customerNotice';
import { customerIdOf, type CustomerArg, type CustomersFileRef } from '../../domain/customers';
import { distinctIndexed } from '../../domain/batches';
import { resolveCustomer } from '../customerDirectory';

export interface DeliverNoticeBatchArgs {
  /**
   * Each notice carries only the fields and facts that differ between them; `shared` has the
   * rest, once. `{customer}` in a shared `howToDefer` stands for each customer's id.
   */
  items: (CustomerArg & { notice: BatchNoticeFields })[];
  shared: BatchNoticeFields;
  /** Where customers given by id are read (customersFile of the rollout). */
  customersFile?: CustomersFileRef;
  /** The workflow's maximumAttempts: on that attempt a notice still failing is reported failed instead of retried. */
  lastAttempt: number;
}

/** Notices delivered side by side within one batch: enough to hide SMTP round trips, few enough to be polite. */
const SIDE_BY_SIDE = 8;

/**
 * Delivers many customer notices in one activity, each through `deliverOne` (which keeps every
 * notice once-only by its key), so a rollout with thousands of customers costs a few history
 * events per batch instead of per notice. A notice that fails for good is reported failed and the
 * others go on. Notices that fail for now make the whole activity retry under the workflow's
 * retry policy: the ones already delivered are answered from the ledger and decision log, not
 * sent again. On the last attempt those are reported failed too.
 */
/** The outcomes in the order of the items; each distinct outcome given once (most are alike). */
export interface BatchOutcomes {
  distinct: BatchNoticeOutcome[];
  of: number[];
}

export async function deliverNoticeBatch(args: DeliverNoticeBatchArgs, deliverOne: (item: DeliverNoticeArgs) => Promise<NoticeOutcome>, store: readonly string[]): Promise<BatchOutcomes> {
  const { attempt } = Context.current().info;
  const outcomes = new Array<BatchNoticeOutcome>(args.items.length);
  const notYet: { key: string; error: unknown }[] = [];
  const left = args.items.map((_, i) => i);
  let done = 0;
  while (left.length > 0) {
    const chunk = sideBySide(args.items, left);
    const settled = await Promise.allSettled(chunk.map(async (i) => deliverOne(await whole(args, args.items[i]!, store))));
    settled.forEach((result, k) => {
      const i = chunk[k]!;
      if (result.status === 'fulfilled') return (outcomes[i] = result.value);
      const error = result.reason as unknown;
      const final = (error instanceof ApplicationFailure && error.nonRetryable) || attempt >= args.lastAttempt;
      if (!final) notYet.push({ key: keyFor(args, args.items[i]!), error });
      return (outcomes[i] = { outcome: 'failed', reason: (error as Error)?.message ?? String(error) });
    });
    done += chunk.length;
    Context.current().heartbeat(done);
  }
  if (notYet.length > 0) throw notDeliveredYet(notYet, args.items.length);
  return distinctIndexed(outcomes);
}

/**
 * Takes the next notices to deliver side by side out of `left`, at most one per customer: a
 * customer's notices are decided in the order they were sent, so the weekly cap counts them right.
 */
function sideBySide(items: DeliverNoticeBatchArgs['items'], left: number[]): number[] {
  const customers = new Set<string>();
  const chunk: number[] = [];
  for (let k = 0; k < left.length && chunk.length < SIDE_BY_SIDE; k++) {
    const id = customerIdOf(items[left[k]!]!);
    if (customers.has(id)) continue;
    customers.add(id);
    chunk.push(left[k]!);
    left.splice(k--, 1);
  }
  return chunk;
}

/** One notice as deliverCustomerNotice takes it: its own facts over the shared ones, its whole customer. */
async function whole(args: DeliverNoticeBatchArgs, item: DeliverNoticeBatchArgs['items'][number], store: readonly string[]): Promise<DeliverNoticeArgs> {
  const customer = await resolveCustomer(item, args.customersFile, store);
  const facts = { ...args.shared.facts, ...item.notice.facts } as NoticeFacts;
  if (facts.howToDefer) facts.howToDefer = facts.howToDefer.replaceAll('{customer}', customer.id);
  const { seq: _seq, ...fields } = { ...args.shared, ...item.notice };
  return { notice: { ...fields, key: keyFor(args, item), facts } as CustomerNotice, customer };
}

function keyFor(args: DeliverNoticeBatchArgs, item: DeliverNoticeBatchArgs['items'][number]): string {
  const { rolloutId, kind, seq } = { ...args.shared, ...item.notice };
  return noticeKey(rolloutId ?? '', customerIdOf(item), kind ?? 'digest', seq ?? 1);
}

/** Slack's Retry-After, if one of the errors carries it: the retry must not come sooner. */
export function retryNoSoonerThan(errors: unknown[]): { nextRetryDelay?: NonNullable<ApplicationFailure['nextRetryDelay']> } {
  const delays = errors.flatMap((e) => (e instanceof ApplicationFailure && e.nextRetryDelay != null ? [e.nextRetryDelay] : []));
  return delays.length > 0 ? { nextRetryDelay: delays[0]! } : {};
}

function notDeliveredYet(notYet: { key: string; error: unknown }[], total: number): ApplicationFailure {
  const first = notYet[0]!;
  return ApplicationFailure.create({
    type: 'CustomerNoticeFailed',
    message: `${notYet.length} of ${total} notices not delivered yet; first: ${first.key} (${(first.error as Error)?.message ?? String(first.error)})`,
    ...retryNoSoonerThan(notYet.map((f) => f.error)),
  });
}
