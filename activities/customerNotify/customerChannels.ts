import { ApplicationFailure } from '@temporalio/common';
import type { Customer } from '../../domain/customers';
import type { MailTransport } from '../notify/mailTransport';
import type { SlackClientSource } from '../notify/slackClient';
import type { SecretLookup } from '../secrets';

export type NoticeChannel = 'email' | 'slack' | 'webhook';

/** What a worker reaches customers with. */
export interface ChannelDependencies {
  mail: MailTransport;
  slack: SlackClientSource;
  secret: SecretLookup;
}

/** Every way the customer asked to be reached. */
export function channelsOf(customer: Customer): NoticeChannel[] {
  const { emails, slack, webhook } = customer.contacts;
  return [...(emails.length > 0 ? ['email' as const] : []), ...(slack ? ['slack' as const] : []), ...(webhook ? ['webhook' as const] : [])];
}

/**
 * The customer's channels, after checking that this worker can use each of them (SMTP_URL,
 * SLACK_BOT_TOKEN, the webhook's signing secret). A missing setting is a non-retryable
 * ConfigurationError naming it, raised before anything is decided or sent: a half-configured
 * worker must not deliver a notice on some channels and fail on the others.
 */
export function usableChannels(customer: Customer, deps: ChannelDependencies): NoticeChannel[] {
  const channels = channelsOf(customer);
  for (const channel of channels) {
    if (channel === 'email') deps.mail.transport();
    if (channel === 'slack') deps.slack();
    if (channel === 'webhook') webhookSecret(customer, deps.secret);
  }
  return channels;
}

/** The HMAC secret of the customer's webhook, by the name (environment variable) the customers file gives. */
export function webhookSecret(customer: Customer, secret: SecretLookup): string {
  const variable = customer.contacts.webhook?.secretEnv;
  if (!variable) throw ApplicationFailure.nonRetryable(`customer ${customer.id} has no webhook`, 'ConfigurationError');
  const value = secret(variable);
  if (!value) {
    throw ApplicationFailure.nonRetryable(
      `customer ${customer.id}'s webhook: environment variable ${variable} (its signing secret) is not set on this worker`,
      'ConfigurationError',
    );
  }
  return value;
}
