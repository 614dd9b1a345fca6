import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from './activityProxies';

/** The customer activities the rollout calls: time-zone arithmetic and notice delivery live there, not here. */
export type CustomerActivities = Pick<Activities, 'scheduleCustomerUpdate' | 'deliverCustomerNotice'>;

/** Scheduling is pure computation: retried quickly. */
export const customerSchedule = proxyActivities<CustomerActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '500 milliseconds', maximumInterval: '5 seconds', maximumAttempts: 10 },
});

/** A notice late is better than a notice lost: SMTP or Slack being down is waited out for about an hour. */
export const customerDelivery = proxyActivities<CustomerActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '2 minutes', maximumAttempts: 40 },
});
