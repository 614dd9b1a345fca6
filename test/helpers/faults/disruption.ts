import type { Client } from '@temporalio/client';

/**
 * How much the faults actually cut into work, read from the histories of every workflow on the
 * campaign's task queue: activities that finished only on a later attempt (an attempt died with
 * its worker and ran again elsewhere), and workflow tasks that timed out (their worker died
 * holding them, or its sticky queue had no poller left). A campaign whose kills only ever hit idle
 * workers proves nothing; these numbers say it did not.
 */
export interface Disruption {
  workflows: number;
  /** Activities by type that needed more than one attempt, with how many. */
  retriedActivities: Record<string, number>;
  timedOutWorkflowTasks: number;
}

/** Activities whose retries are by design (waiting for a target to serve again), not a sign of a fault. */
const RETRIED_BY_DESIGN = new Set(['verifyTargetHealth']);

export async function measureDisruption(client: Client, taskQueue: string, since: Date): Promise<Disruption> {
  const result: Disruption = { workflows: 0, retriedActivities: {}, timedOutWorkflowTasks: 0 };
  const query = `TaskQueue = "${taskQueue}" AND StartTime >= "${since.toISOString()}"`;
  for await (const info of client.workflow.list({ query })) {
    result.workflows += 1;
    const history = await client.workflow.getHandle(info.workflowId, info.runId).fetchHistory();
    const types = new Map<string, string>();
    for (const event of history.events ?? []) {
      const scheduled = event.activityTaskScheduledEventAttributes;
      if (scheduled) types.set(String(event.eventId), scheduled.activityType?.name ?? '?');
      const started = event.activityTaskStartedEventAttributes;
      if (started && (started.attempt ?? 1) > 1) {
        const type = types.get(String(started.scheduledEventId)) ?? '?';
        if (!RETRIED_BY_DESIGN.has(type)) result.retriedActivities[type] = (result.retriedActivities[type] ?? 0) + 1;
      }
      if (event.workflowTaskTimedOutEventAttributes) result.timedOutWorkflowTasks += 1;
    }
  }
  return result;
}

/** Pieces of work a fault interrupted and that were carried on anyway. */
export function interruptions(d: Disruption): number {
  return Object.values(d.retriedActivities).reduce((a, b) => a + b, 0) + d.timedOutWorkflowTasks;
}
