import { ApplicationFailure } from '@temporalio/common';
import type { CustomerNotice, DeliverNoticeArgs, NoticeOutcome } from '../../domain/customerNotice';
import { renderCustomerNotice, type RenderedNotice } from '../../domain/customerMessages';
import type { Customer } from '../../domain/customers';
import type { NotifyActivities } from '../notify';
import type { SentLedger } from '../notify/sentLedger';
import { usableChannels, type ChannelDependencies, type NoticeChannel } from './customerChannels';
import { deliveryTime } from './deliveryClock';
import { deliverNoticeBatch, retryNoSoonerThan, type BatchOutcomes, type DeliverNoticeBatchArgs } from './deliverNoticeBatch';
import { emailNotice } from './emailNotice';
import { parseNoticeArgs } from './noticeArgs';
import type { NoticeDecisions } from './noticeDecisionLog';
import { slackNotice } from './slackNotice';
import { decideOnce } from './stableDecision';
import { webhookNotice } from './webhookNotice';

type Sender = (notice: CustomerNotice, customer: Customer, rendered: RenderedNotice) => Promise<void>;

export interface CustomerNoticeDependencies extends ChannelDependencies {
  /** Where a customers file that went by reference may be read from (the artifact store). */
  artifactStore: readonly string[];
  /** The worker's own mail and Slack activities: their ledger keeps each channel's send once. */
  notify: Pick<NotifyActivities, 'sendEmail' | 'postSlackMessage'>;
  /** The sent ledger, for the webhook channel. */
  ledger: SentLedger;
  decisions: NoticeDecisions;
}

/** deliverCustomerNotice on the worker's channels, ledger and decision log. */
export function customerNoticeActivities(deps: CustomerNoticeDependencies) {
  const senders: Record<NoticeChannel, Sender> = {
    email: (notice, customer, rendered) => emailNotice(deps.notify.sendEmail, notice, customer, rendered),
    slack: (notice, customer, rendered) => slackNotice(deps.notify.postSlackMessage, notice, customer, rendered),
    webhook: (notice, customer, rendered) => webhookNotice(deps, notice, customer, rendered),
  };
  /**
   * Delivers one customer notice, exactly once per notice key, as the customer wants it:
   *
   * 1. checks the arguments and that this worker can reach every channel the customer gave;
   * 2. decides (domain/noticePolicy) at delivery time (deliveryClock.ts) and records the decision under the notice key before acting,
   *    so a retry returns the same suppressed or held answer (customer-notices.jsonl);
   * 3. sends on every channel at once (email, Slack, signed webhook), each through the sent ledger
   *    under `<key>/<channel>`: a retry after a partial failure sends only what is missing.
   *
   * One failed channel does not stop the others. Failures are ApplicationFailures: one channel's
   * as it is, several as one CustomerNoticeFailed, retryable unless every one of them is final.
   */
  const deliverCustomerNotice = async (args: DeliverNoticeArgs): Promise<NoticeOutcome> => {
    const { notice, customer } = parseNoticeArgs(args);
    const channels = usableChannels(customer, deps);
    const decision = await decideOnce(deps.decisions, notice, customer, deliveryTime());
    if (decision.decision === 'suppressed') return { outcome: 'suppressed', reason: decision.reason ?? '' };
    if (decision.decision === 'held') return { outcome: 'held', until: decision.until!, reason: decision.reason ?? '' };

    const rendered = renderCustomerNotice(notice, customer);
    const results = await Promise.allSettled(channels.map((channel) => senders[channel](notice, customer, rendered)));
    const failures = results.flatMap((result, i) => (result.status === 'rejected' ? [{ channel: channels[i]!, error: result.reason as unknown }] : []));
    if (failures.length > 0) throw deliveryFailure(notice.key, failures);
    return { outcome: 'sent', channels };
  };
  return {
    deliverCustomerNotice,
    /** Many notices in one activity, each exactly as deliverCustomerNotice would (deliverNoticeBatch.ts). */
    deliverCustomerNotices: (args: DeliverNoticeBatchArgs): Promise<BatchOutcomes> => deliverNoticeBatch(args, deliverCustomerNotice, deps.artifactStore),
  };
}

function deliveryFailure(key: string, failures: { channel: NoticeChannel; error: unknown }[]): unknown {
  if (failures.length === 1) return failures[0]!.error;
  const final = failures.every((f) => f.error instanceof ApplicationFailure && f.error.nonRetryable);
  return ApplicationFailure.create({
    type: 'CustomerNoticeFailed',
    message: `notice ${key} not delivered on ${failures.map((f) => `${f.channel} (${(f.error as Error)?.message ?? String(f.error)})`).join(', ')}`,
    nonRetryable: final,
    ...retryNoSoonerThan(failures.map((f) => f.error)),
  });
}
