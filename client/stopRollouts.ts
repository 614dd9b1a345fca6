import type { StopArgs } from '../contract/commandArgs';
import { WorkflowType } from '../contract/workflowTypes';
import type { RolloutClient } from './rolloutClient';

/** What a stop sent to one of many rollouts did. */
export interface StoppedRollout {
  rolloutId: string;
  stopped: boolean;
  /** The rollout's answer, or why it took no stop (it had ended, ...). */
  message: string;
}

/**
 * The running rollouts of this task queue: those change control admitted and that have not ended
 * (`admitted`, from its record; no visibility lag), and whatever visibility lists as running
 * (rollouts started before change control counted them).
 */
export async function runningRollouts(rollouts: RolloutClient, admitted: readonly string[] = []): Promise<string[]> {
  const ids = new Set(admitted);
  const query = `WorkflowType = '${WorkflowType.rollout}' AND ExecutionStatus = 'Running' AND TaskQueue = '${rollouts.taskQueue}'`;
  for await (const wf of rollouts.client.workflow.list({ query })) ids.add(wf.workflowId);
  return [...ids].sort();
}

/** Sends the same stop to each rollout at once; one that cannot take it is reported, not fatal. */
export function stopEach(rollouts: RolloutClient, rolloutIds: readonly string[], args: StopArgs): Promise<StoppedRollout[]> {
  return Promise.all(rolloutIds.map(async (rolloutId) => {
    try {
      return { rolloutId, stopped: true, message: await rollouts.stop(rolloutId, args) };
    } catch (err) {
      return { rolloutId, stopped: false, message: (err as Error).message };
    }
  }));
}
