import type { Client } from '@temporalio/client';

export interface TimelineEvent {
  /** The event's attributes field without its suffix, e.g. "activityTaskCompleted". */
  type: string;
  atMs: number;
}

type RawEvent = { eventTime?: { seconds?: unknown; nanos?: number | null } | null } & Record<string, unknown>;

function typeOf(event: RawEvent): string {
  const key = Object.keys(event).find((k) => k.endsWith('EventAttributes') && event[k] != null);
  return key ? key.slice(0, -'EventAttributes'.length) : 'unknown';
}

function timeOf(event: RawEvent): number {
  const seconds = Number(String(event.eventTime?.seconds ?? 0));
  return seconds * 1000 + (event.eventTime?.nanos ?? 0) / 1e6;
}

/** A workflow's history as (type, server time) pairs: enough to say where the time went or what came first. */
export async function historyTimeline(client: Client, workflowId: string): Promise<TimelineEvent[]> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? []).map((e) => ({ type: typeOf(e as unknown as RawEvent), atMs: timeOf(e as unknown as RawEvent) }));
}

export const first = (events: TimelineEvent[], type: string) => events.find((e) => e.type === type);
export const last = (events: TimelineEvent[], type: string) => [...events].reverse().find((e) => e.type === type);
