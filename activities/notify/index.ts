/** The notification activities: Slack and mail, each exactly once per idempotency key. */
import { emailActivities } from './emailNotifier';
import type { MailTransport } from './mailTransport';
import type { SentLedger } from './sentLedger';
import type { SlackClientSource } from './slackClient';
import { slackActivities } from './slackNotifier';

export interface NotifyDependencies {
  /** The Slack client they post with (slackClientSource). */
  slack: SlackClientSource;
  mail: MailTransport;
  /** Where every send is recorded before and after it goes out. */
  ledger: SentLedger;
}

/** postSlackMessage, updateSlackMessage and sendEmail on the given client, transport and ledger. */
export function notifyActivities(deps: NotifyDependencies) {
  return { ...slackActivities(deps), ...emailActivities(deps) };
}

export type NotifyActivities = ReturnType<typeof notifyActivities>;
