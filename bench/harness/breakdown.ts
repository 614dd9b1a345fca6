import type { Client } from '@temporalio/client';
import { rolloutWorkflowId, stepWorkflowId } from '../../contract/ids';
import { first, historyTimeline, last, type TimelineEvent } from './historyTimeline';

const span = (from: TimelineEvent | undefined, to: TimelineEvent | undefined) =>
  from && to ? Math.round(to.atMs - from.atMs) : null;

const count = (events: TimelineEvent[], type: string) => events.filter((e) => e.type === type).length;

/** Where a batch of activities spent its time, by the server's clock: getting going, the activities, finishing. */
function activityPhases(events: TimelineEvent[]) {
  const started = first(events, 'workflowExecutionStarted');
  const firstScheduled = first(events, 'activityTaskScheduled');
  const lastCompleted = last(events, 'activityTaskCompleted');
  return {
    startToFirstActivityMs: span(started, firstScheduled),
    activitiesMs: span(firstScheduled, lastCompleted),
    lastActivityToCloseMs: span(lastCompleted, first(events, 'workflowExecutionCompleted')),
    workflowTasks: count(events, 'workflowTaskCompleted'),
    events: events.length,
  };
}

/** The rollout's time, split: before the wave (planning, readVersions, verifyArtifact, child start), the wave's installs, after it. */
export async function rolloutBreakdown(client: Client, rolloutId: string) {
  const parent = await historyTimeline(client, rolloutWorkflowId(rolloutId));
  const step = await historyTimeline(client, stepWorkflowId(rolloutId, 'wave-1'));
  return {
    beforeStepChildMs: span(first(parent, 'workflowExecutionStarted'), first(step, 'workflowExecutionStarted')),
    parentActivities: count(parent, 'activityTaskScheduled'),
    step: activityPhases(step),
    stepCloseToRolloutCloseMs: span(first(step, 'workflowExecutionCompleted'), first(parent, 'workflowExecutionCompleted')),
    totalServerMs: span(first(parent, 'workflowExecutionStarted'), first(parent, 'workflowExecutionCompleted')),
    parentEvents: parent.length,
  };
}

export async function bareBreakdown(client: Client, workflowId: string) {
  const events = await historyTimeline(client, workflowId);
  return {
    ...activityPhases(events),
    totalServerMs: span(first(events, 'workflowExecutionStarted'), first(events, 'workflowExecutionCompleted')),
  };
}
