import type { StopTheLineAnswer, StopTheLineArgs } from '../contract/changeControl';
import type { StopArgs } from '../contract/commandArgs';
import { ChangeControlClient } from './changeControlClient';
import { WorkflowType } from '../contract/workflowTypes';
import type { RolloutClient } from './rolloutClient';

/** What a stop sent to one of many rollouts did. */
export interface StoppedRollout {
  rolloutId: string;
  stopped: boolean;
  /** The rollout's answer, or why it took no stop (it had ended, ...). */
  message: string;
  /** It had ended already (change control's record forgets it). */
  ended: boolean;
  /** It was held already (an earlier stop, a breach that paused): as stopped as a stop would make it. */
  alreadyHeld: boolean;
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
      return { rolloutId, stopped: true, message: await rollouts.stopRunning(rolloutId, args), ended: false, alreadyHeld: false };
    } catch (err) {
      const ended = await rollouts.describe(rolloutId).then((d) => !d.running, () => false);
      const alreadyHeld = !ended && (await rollouts.status(rolloutId).then((s) => s.state === 'held', () => false));
      return { rolloutId, stopped: alreadyHeld, message: (err as Error).message, ended, alreadyHeld };
    }
  }));
}

/**
 * Stop the line: change control refuses every new start from the moment its Update is accepted,
 * and answers with every rollout it admitted; each of those (and any running one visibility
 * lists) gets the emergency stop at once, held or rolled back as the line says.
 */
export async function stopTheLine(rollouts: RolloutClient, args: StopTheLineArgs): Promise<{ answer: StopTheLineAnswer; stopped: StoppedRollout[]; timings: { lineMs: number; listMs: number; stopsMs: number } }> {
  const control = new ChangeControlClient(rollouts.client, rollouts.taskQueue);
  const t0 = performance.now();
  const answer = await control.stopTheLine(args);
  const t1 = performance.now();
  const ids = await runningRollouts(rollouts, answer.running);
  const t2 = performance.now();
  const stopped = await stopEach(rollouts, ids, { by: args.by, reason: `line stopped: ${answer.line.reason}`, then: answer.line.then });
  const t3 = performance.now();
  // Ended behind Rampart's back (terminated, ...): they could not say so themselves.
  await control.forget(stopped.filter((s) => s.ended).map((s) => s.rolloutId));
  return { answer, stopped, timings: { lineMs: Math.round(t1 - t0), listMs: Math.round(t2 - t1), stopsMs: Math.round(t3 - t2) } };
}
