import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { RampartActivities } from '../activities';

/**
 * The activities as the worker registers them (activities/index.ts createActivities), as types
 * only: workflow code never imports the activities' values, which would drag Node into the sandbox.
 */
export type Activities = RampartActivities;

/**
 * Installs and rollbacks: heartbeating, a few retries, then the breaker decides.
 *
 * The heartbeat timeout is how long a killed worker's install waits before another worker takes
 * it: the server times the attempt out this long after the last heartbeat it received, then retries
 * after the first retry interval (1 s). The worker's SDK sends at most one heartbeat per 0.8 × the
 * timeout (2.4 s here; the activity records one every second, activities/targetActions.ts), so a
 * kill lands 0-2.4 s after the last one sent: the install runs again elsewhere 1.6-4 s after the
 * kill (bench: workerCrashRecoveryMs). A live worker whose event loop stalls for more than about
 * 2 s would miss its deadline and see its attempt retried: the install is idempotent on its key.
 * Activity options are not part of replay determinism: changing them needs no patched().
 */
export const targetActions = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '3 seconds',
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

/**
 * Change control's record (quarantines): read before a rollout starts and at every step, written
 * when a breaker trips. Retried without limit: a rollout waits rather than guess what is allowed.
 */
export const changeControl = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});
