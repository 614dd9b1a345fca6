import { ApplicationFailure } from '@temporalio/common';
import { LogLevel, WebClient } from '@slack/web-api';

export const SLACK_TOKEN_ENV = 'SLACK_BOT_TOKEN';
export const SLACK_API_URL_ENV = 'SLACK_API_URL';

/** Below the notify activities' start-to-close timeout, so a hung request fails the attempt in time. */
const REQUEST_TIMEOUT_MS = 10_000;

const clients = new Map<string, WebClient>();

/**
 * The worker's Slack client: bot token from SLACK_BOT_TOKEN, API base from SLACK_API_URL (default
 * Slack's own). The client never retries by itself (its default retries a 429 for ~30 minutes, far
 * beyond any activity timeout) and rejects a 429 at once: Temporal's retry policy owns retries.
 */
export function slackClient(): WebClient {
  const token = process.env[SLACK_TOKEN_ENV];
  if (!token) {
    throw ApplicationFailure.nonRetryable(`${SLACK_TOKEN_ENV} is not set: the worker needs a Slack bot token to post`, 'ConfigurationError');
  }
  const slackApiUrl = process.env[SLACK_API_URL_ENV] || undefined;
  const cacheKey = `${slackApiUrl ?? ''}\n${token}`;
  let client = clients.get(cacheKey);
  if (!client) {
    client = new WebClient(token, {
      slackApiUrl,
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
      timeout: REQUEST_TIMEOUT_MS,
      // Failures reach Temporal as ApplicationFailures; the client's own warnings would only repeat them.
      logLevel: LogLevel.ERROR,
    });
    clients.set(cacheKey, client);
  }
  return client;
}
