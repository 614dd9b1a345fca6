import { ApplicationFailure } from '@temporalio/common';
import type { Customer } from '../../domain/customers';
import { mailTransport } from '../notify/mailTransport';
import { slackClient } from '../notify/slackClient';

export type NoticeChannel = 'email' | 'slack' | 'webhook';

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
export function usableChannels(customer: Customer): NoticeChannel[] {
  const channels = channelsOf(customer);
  for (const channel of channels) {
    if (channel === 'email') mailTransport();
    if (channel === 'slack') slackClient();
    if (channel === 'webhook') webhookSecret(customer);
  }
  return channels;
}

/** The HMAC secret of the customer's webhook, from the environment variable the customers file names. */
export function webhookSecret(customer: Customer): string {
  const variable = customer.contacts.webhook?.secretEnv;
  if (!variable) throw ApplicationFailure.nonRetryable(`customer ${customer.id} has no webhook`, 'ConfigurationError');
  const secret = process.env[variable];
  if (!secret) {
    throw ApplicationFailure.nonRetryable(
      `customer ${customer.id}'s webhook: environment variable ${variable} (its signing secret) is not set on this worker`,
      'ConfigurationError',
    );
  }
  return secret;
}
