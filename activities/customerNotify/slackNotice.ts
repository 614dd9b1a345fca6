import type { CustomerNotice } from '../../domain/customerNotice';
import type { RenderedNotice } from '../../domain/customerMessages';
import type { Customer } from '../../domain/customers';
import type { NotifyActivities } from '../notify';

/** The notice in the customer's Slack channel, once per key (postSlackMessage's ledger and metadata lookup). */
export async function slackNotice(
  postSlackMessage: NotifyActivities['postSlackMessage'],
  notice: CustomerNotice,
  customer: Customer,
  rendered: RenderedNotice,
): Promise<void> {
  await postSlackMessage({
    key: `${notice.key}/slack`,
    channel: customer.contacts.slack!,
    text: rendered.slack.text,
    ...(rendered.slack.blocks ? { blocks: rendered.slack.blocks } : {}),
  });
}
