import { ErrorCode } from '@slack/web-api';
import { ApplicationFailure } from '@temporalio/common';

/** Slack `error` names that a later attempt may not get; every other `ok:false` is final. */
const TRANSIENT_SLACK_ERRORS = new Set(['ratelimited', 'internal_error', 'fatal_error', 'service_unavailable', 'request_timeout', 'team_added_to_org']);

interface SlackLikeError {
  code?: unknown;
  retryAfter?: number;
  statusCode?: number;
  data?: { error?: string };
  original?: Error;
  message?: string;
}

/**
 * Maps an error from @slack/web-api to what Temporal should do with it:
 * - HTTP 429: retryable `SlackRateLimited` with nextRetryDelay = Retry-After, so the retry policy
 *   waits exactly as long as Slack asked;
 * - `ok:false` with invalid_auth, not_authed, channel_not_found, ...: non-retryable, typed with
 *   Slack's error name; transient Slack errors (internal_error, ...) retryable;
 * - HTTP 5xx, network errors, timeouts: retryable `SlackUnavailable`.
 * Anything else (not from the Slack client) is returned as is; Temporal retries a plain Error.
 */
export function slackFailure(method: string, err: unknown): unknown {
  const e = (err ?? {}) as SlackLikeError;
  switch (e.code) {
    case ErrorCode.RateLimitedError: {
      const seconds = Math.max(1, Number(e.retryAfter) || 1);
      return ApplicationFailure.create({
        type: 'SlackRateLimited',
        message: `Slack rate-limited ${method}; retry after ${seconds} s`,
        nextRetryDelay: `${seconds}s`,
      });
    }
    case ErrorCode.PlatformError: {
      const name = e.data?.error ?? 'unknown_error';
      return ApplicationFailure.create({
        type: name,
        message: `Slack ${method} answered ${name}`,
        nonRetryable: !TRANSIENT_SLACK_ERRORS.has(name),
      });
    }
    case ErrorCode.HTTPError: {
      const status = e.statusCode ?? 0;
      const retryable = status >= 500 || status === 408 || status === 425;
      return ApplicationFailure.create({
        type: retryable ? 'SlackUnavailable' : 'SlackHttpError',
        message: `Slack ${method} answered HTTP ${status}`,
        nonRetryable: !retryable,
      });
    }
    case ErrorCode.RequestError:
      return ApplicationFailure.retryable(`Slack ${method} failed: ${e.original?.message ?? e.message ?? 'request error'}`, 'SlackUnavailable');
    default:
      return err;
  }
}

/**
 * True when Slack provably did not act on the call: it answered with a refusal (429, `ok:false`,
 * HTTP 4xx) or the connection was refused. Timeouts, resets and 5xx leave it open.
 */
export function slackSentNothing(err: unknown): boolean {
  const e = (err ?? {}) as SlackLikeError;
  if (e.code === ErrorCode.RateLimitedError || e.code === ErrorCode.PlatformError) return true;
  if (e.code === ErrorCode.HTTPError) return (e.statusCode ?? 500) < 500;
  if (e.code === ErrorCode.RequestError) return connectionRefused(e.original);
  return false;
}

function connectionRefused(err: unknown): boolean {
  for (let e = err as { code?: string; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (e.code === 'ECONNREFUSED') return true;
  }
  return false;
}
