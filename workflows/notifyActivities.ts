import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from './activityProxies';

/** The notification activities the incident workflow calls (activities/notify). Idempotent by key. */
export type NotifyActivities = Pick<Activities, 'postSlackMessage' | 'updateSlackMessage' | 'sendEmail'>;

/**
 * Slack's 429 tells the activity how long to wait (nextRetryDelay); SMTP that is down for a while
 * is waited out by backoff. Pages keep being retried for a long time: a page lost is worse than late.
 */
export const notify = proxyActivities<NotifyActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 60 },
});
