import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { RampartActivities } from '../activities';

/**
 * The activities as the worker registers them (activities/index.ts createActivities), as types
 * only: workflow code never imports the activities' values, which would drag Node into the sandbox.
 */
export type Activities = RampartActivities;

/** Installs and rollbacks: heartbeating, a few retries, then the breaker decides. */
export const targetActions = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '15 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '10 seconds', maximumAttempts: 3 },
});

/** Reads: cheap, so retried quickly; a read that keeps failing counts as a target that is down. */
export const reads = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '500 milliseconds', maximumInterval: '5 seconds', maximumAttempts: 5 },
});

/** Waiting for a rolled-back target to serve again: Temporal's retry does the waiting. */
export const healthChecks = proxyActivities<Activities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '500 milliseconds', backoffCoefficient: 1.5, maximumInterval: '5 seconds', maximumAttempts: 12 },
});

/**
 * Health reads during a bake, as local activities: a few quick GETs every window for days or
 * weeks, so they run inside the workflow task and leave one marker in the history instead of
 * three activity events and a second workflow task.
 */
export const localReads = proxyLocalActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '500 milliseconds', maximumInterval: '5 seconds', maximumAttempts: 5 },
});
