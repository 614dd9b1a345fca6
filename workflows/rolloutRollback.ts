import { executeChild, patched } from '@temporalio/workflow';
import { rollbackWorkflowId } from '../contract/ids';
import type { RolloutStatus } from '../domain/rolloutStatus';
import { rollbackWorkflow } from './rollback';
import type { RolloutRun } from './rolloutRun';

/**
 * Returns every target this run changed to its last known good version, newest change first, as
 * one child workflow; tells the incident and the customers, and ends the rollout rolled back, or
 * `rollback_incomplete` when some target could not be verified back, with on-call paged.
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
      // Since patch rollback-parallel the rollback goes as wide as playbook.rollback.maxParallel.
      maxParallel: patched('rollback-parallel') ? playbook.rollback.maxParallel : playbook.maxParallel,
      targets: newestFirst.map((c) => ({ target: run.target(c.targetId), toVersion: c.previousVersion ?? runningVersions[c.targetId] ?? fleet.version })),
      // Only what this rollout installed is reverted; a target someone changed since is left alone (rollbackLeftAlone.ts).
      ...(patched('rollback-leaves-others-alone') ? { onlyFrom: input.release.version } : {}),
    }],
  });
  const summary = tracker.targetsRolledBack(outcomes);
  const unverified = outcomes.filter((o) => !o.verified).map((o) => o.targetId);
  if (unverified.length > 0 && patched('rollback-incomplete')) {
    // A rollback nobody could verify needs a human: into the open incident, or a new one that
    // pages, before the rollout reads as ended.
    if (playbook.incidents && input.escalation !== undefined) {
      await run.incidents.report(playbook.incidents, input.escalation, `rollback incomplete: ${summary}`, 'rollback incomplete', `Rollback incomplete in rollout ${input.rolloutId}`);
    }
    tracker.rollbackIncomplete(reason, unverified);
  } else {
    tracker.rolledBack(reason);
    await run.incidents.note('rollback finished', summary);
  }
  // Since patch customers-restore-unconfirmed, customers whose systems could not be confirmed back are not told service is restored.
  const honest = unverified.length > 0 && patched('customers-restore-unconfirmed');
  await customers?.finish(honest ? 'rollback_incomplete' : 'rolled_back', run.changedTargetIds(), honest ? unverified : []);
  return tracker.answer();
}
