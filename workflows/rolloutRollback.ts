import { executeChild, patched } from '@temporalio/workflow';
import { rollbackWorkflowId } from '../contract/ids';
import type { RolloutStatus } from '../domain/rolloutStatus';
import { rollbackWorkflow } from './rollback';
import type { RolloutRun } from './rolloutRun';

/**
 * Returns every target this run changed to its last known good version, newest change first, as
 * one child workflow; tells the incident and the customers, and ends the rollout rolled back.
 */
export async function rollBack(run: RolloutRun, reason: string, by?: string): Promise<RolloutStatus> {
  const { input, playbook, fleet, tracker, customers, runningVersions } = run;
  tracker.rollingBack(reason, by);
  customers?.rollingBack(run.changedTargetIds());
  const newestFirst = [...run.changed].reverse();
  const outcomes = await executeChild(rollbackWorkflow, {
    workflowId: rollbackWorkflowId(input.rolloutId),
    args: [{
      rolloutId: input.rolloutId,
      maxParallel: playbook.maxParallel,
      targets: newestFirst.map((c) => ({ target: run.target(c.targetId), toVersion: c.previousVersion ?? runningVersions[c.targetId] ?? fleet.version })),
      // Only what this rollout installed is reverted; a target someone changed since is left alone (rollbackLeftAlone.ts).
      ...(patched('rollback-leaves-others-alone') ? { onlyFrom: input.release.version } : {}),
    }],
  });
  const summary = tracker.targetsRolledBack(outcomes);
  tracker.rolledBack(reason);
  await run.incidents.note('rollback finished', summary);
  await customers?.finish('rolled_back', run.changedTargetIds());
  return tracker.answer();
}
