import type { CustomerNotice } from '../../domain/customerNotice';
import type { RenderedNotice } from '../../domain/customerMessages';
import type { Customer } from '../../domain/customers';
import { postSlackMessage } from '../notify/slackNotifier';

/** The notice in the customer's Slack channel, once per key (postSlackMessage's ledger and metadata lookup). */
export async function slackNotice(notice: CustomerNotice, customer: Customer, rendered: RenderedNotice): Promise<void> {
  await postSlackMessage({
    key: `${notice.key}/slack`,
    channel: customer.contacts.slack!,
    text: rendered.slack.text,
    ...(rendered.slack.blocks ? { blocks: rendered.slack.blocks } : {}),
  });
}
