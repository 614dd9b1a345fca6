import { proxyActivities } from '@temporalio/workflow';
import type * as activities from './bareActivities';

// The same activity options as Rampart's installs (workflows/activityProxies.ts targetActions).
const { noopActivity } = proxyActivities<typeof activities>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '15 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '10 seconds', maximumAttempts: 3 },
});

/**
 * The floor Rampart is measured against: `count` no-op activities, `parallel` at a time, with
 * nothing else around them (bundled on its own, run on its own task queue).
 */
export async function bareWorkflow(count: number, parallel: number): Promise<number> {
  let next = 0;
  let done = 0;
  const lane = async () => {
    while (next < count) {
      await noopActivity(next++);
      done++;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(parallel, count)) }, lane));
  return done;
}
