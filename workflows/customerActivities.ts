import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from './activityProxies';

/** The customer activities the rollout calls: time-zone arithmetic and notice delivery live there, not here. */
export type CustomerActivities = Pick<Activities, 'scheduleCustomerUpdate' | 'scheduleCustomerUpdates' | 'deliverCustomerNotice' | 'deliverCustomerNotices'>;

/** How many customers one batch activity books or notifies: well inside Temporal's 2 MB payload limit. */
export const CUSTOMER_BATCH = 250;

/** Scheduling is pure computation: retried quickly. */
export const customerSchedule = proxyActivities<CustomerActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '500 milliseconds', maximumInterval: '5 seconds', maximumAttempts: 10 },
});

/** A notice late is better than a notice lost: SMTP or Slack being down is waited out for about an hour. */
export const DELIVERY_ATTEMPTS = 40;
const deliveryRetry = { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '2 minutes', maximumAttempts: DELIVERY_ATTEMPTS } as const;

export const customerDelivery = proxyActivities<CustomerActivities>({
  startToCloseTimeout: '1 minute',
  retry: deliveryRetry,
});

/** A batch heartbeats after every few notices: a worker that dies mid-batch is noticed in seconds. */
export const customerBatchDelivery = proxyActivities<CustomerActivities>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '30 seconds',
  retry: deliveryRetry,
});
