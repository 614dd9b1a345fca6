import { proxyActivities } from '@temporalio/workflow';

/** The notification activities the incident workflow calls (activities/notify). Idempotent by key. */
export interface NotifyActivities {
  postSlackMessage(args: { key: string; channel: string; threadTs?: string; text: string; blocks?: unknown[]; metadataKey: string }): Promise<{ channel: string; ts: string }>;
  updateSlackMessage(args: { key: string; channel: string; ts: string; text: string; blocks?: unknown[] }): Promise<unknown>;
  sendEmail(args: { key: string; to: string[]; subject: string; text: string; html: string; messageId: string; inReplyTo?: string; references?: string[] }): Promise<{ messageId: string }>;
}

/**
 * Slack's 429 tells the activity how long to wait (nextRetryDelay); SMTP that is down for a while
 * is waited out by backoff. Pages keep being retried for a long time: a page lost is worse than late.
 */
export const notify = proxyActivities<NotifyActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 60 },
});
