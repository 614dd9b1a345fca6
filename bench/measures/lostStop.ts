import type { Client } from '@temporalio/client';
import { rolloutWorkflowId } from '../../contract/ids';
import { first, historyTimeline } from '../harness/historyTimeline';

/**
 * Why an accepted stop never reached the wave, read from the rollout's history: whether the
 * stop Update completed before the step child had started, and whether the rollout ever
 * signalled the child.
 */
export async function diagnoseLostStop(client: Client, rolloutId: string) {
  const events = await historyTimeline(client, rolloutWorkflowId(rolloutId));
  const updated = first(events, 'workflowExecutionUpdateCompleted');
  const childInitiated = first(events, 'startChildWorkflowExecutionInitiated');
  const childStarted = first(events, 'childWorkflowExecutionStarted');
  const at = (e: typeof updated) => (e ? events.indexOf(e) + 1 : null);
  return {
    stopCompletedAtEvent: at(updated),
    childStartInitiatedAtEvent: at(childInitiated),
    childStartedAtEvent: at(childStarted),
    stopBeforeChildStarted: updated !== undefined && childStarted !== undefined && events.indexOf(updated) < events.indexOf(childStarted),
    signalsToChild: events.filter((e) => e.type === 'signalExternalWorkflowExecutionInitiated').length,
  };
}
