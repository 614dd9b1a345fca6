import type { NativeConnection } from '@temporalio/worker';

/** One worker seen polling a task queue, workflow and activity polls merged by identity. */
export interface SeenPoller {
  identity: string;
  /** When the server last saw a poll from it (the latest of both task types), ms since the epoch. */
  lastSeenMs: number;
  polls: Array<'workflow' | 'activity'>;
}

// temporal.api.enums.v1: TaskQueueType WORKFLOW = 1, ACTIVITY = 2; TaskQueueKind NORMAL = 1.
const TASK_QUEUE_TYPES = [
  { type: 1, name: 'workflow' },
  { type: 2, name: 'activity' },
] as const;
const KIND_NORMAL = 1;

/**
 * The workers the server lists as polling `taskQueue` (DescribeTaskQueue, both task types). The
 * server keeps a poller for 5 minutes after its last poll, and an idle worker's poll lasts up to a
 * minute: lastSeenMs says how fresh each one is, the caller decides what counts as recent.
 */
export async function pollersOf(connection: NativeConnection, namespace: string, taskQueue: string, timeoutMs = 10_000): Promise<SeenPoller[]> {
  const seen = new Map<string, SeenPoller>();
  await connection.withDeadline(Date.now() + timeoutMs, async () => {
    for (const { type, name } of TASK_QUEUE_TYPES) {
      const { pollers } = await connection.workflowService.describeTaskQueue({
        namespace,
        taskQueue: { name: taskQueue, kind: KIND_NORMAL },
        taskQueueType: type,
      });
      for (const poller of pollers ?? []) {
        const identity = poller.identity ?? '';
        const at = timestampMs(poller.lastAccessTime);
        const entry = seen.get(identity) ?? { identity, lastSeenMs: at, polls: [] };
        entry.lastSeenMs = Math.max(entry.lastSeenMs, at);
        entry.polls.push(name);
        seen.set(identity, entry);
      }
    }
  });
  return [...seen.values()];
}

/** google.protobuf.Timestamp (seconds may be a Long) in ms; 0 when absent. */
function timestampMs(ts: { seconds?: unknown; nanos?: number | null } | null | undefined): number {
  if (!ts) return 0;
  return Number(String(ts.seconds ?? 0)) * 1000 + Math.floor((ts.nanos ?? 0) / 1e6);
}
