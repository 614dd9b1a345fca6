import { ApplicationFailure } from '@temporalio/common';
import { LogLevel, WebClient } from '@slack/web-api';

/** The settings' names where the worker reads them (worker/config.ts); messages name them too. */
export const SLACK_TOKEN_ENV = 'SLACK_BOT_TOKEN';
export const SLACK_API_URL_ENV = 'SLACK_API_URL';

export interface SlackSettings {
  /** The bot token (xoxb-…). Unset: the worker cannot post. A secret: never log it. */
  token?: string;
  /** The API base; default Slack's own. Tests point it at the local stand-in. */
  apiUrl?: string;
}

/** Below the notify activities' start-to-close timeout, so a hung request fails the attempt in time. */
const REQUEST_TIMEOUT_MS = 10_000;

/** Hands out the worker's one Slack client, made on first use. */
export type SlackClientSource = () => WebClient;

/**
 * The worker's Slack client for these settings, made on first use. The client never retries by
 * itself (its default retries a 429 for ~30 minutes, far beyond any activity timeout) and rejects
 * a 429 at once: Temporal's retry policy owns retries. Without a token, every call for the client
 * is a non-retryable ConfigurationError.
 */
export function slackClientSource(settings: SlackSettings): SlackClientSource {
  let client: WebClient | undefined;
  return () => {
    const { token, apiUrl } = settings;
    if (!token) {
      throw ApplicationFailure.nonRetryable(`${SLACK_TOKEN_ENV} is not set: the worker needs a Slack bot token to post`, 'ConfigurationError');
    }
    client ??= new WebClient(token, {
      slackApiUrl: apiUrl || undefined,
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
      timeout: REQUEST_TIMEOUT_MS,
      // Failures reach Temporal as ApplicationFailures; the client's own warnings would only repeat them.
      logLevel: LogLevel.ERROR,
    });
    return client;
  };
}
