import { sha256 } from '@noble/hashes/sha2';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils';

/**
 * Workflow ids, built in one place. A rollout's id is its workflow id; its steps, customer steps
 * and rollback are children named under it, so `<rollout>/` lists all of one rollout's work.
 */
export const ROLLOUT_ID_RULE = /^[A-Za-z0-9._-]{1,100}$/;

export function rolloutWorkflowId(rolloutId: string): string {
  return rolloutId;
}

/** The default id of a new rollout: playbook, version and a random suffix the caller draws. */
export function newRolloutId(playbook: string, version: string, randomHex: string): string {
  return `${playbook}-${version}-${randomHex}`;
}

/** A step's child (`wave-1`) or a customer's part of a step (`wave-1@acme`). */
export function stepWorkflowId(rolloutId: string, stepName: string): string {
  return `${rolloutId}/${stepName}`;
}

/**
 * A breached step judged again after a resume: a step child with nothing to install whose
 * candidates are every target changed so far. `n` counts the rollout's re-gates from 1.
 */
export function regateWorkflowId(rolloutId: string, stepName: string, n: number): string {
  return `${rolloutId}/${stepName}/regate-${n}`;
}

export function customerStepName(stepName: string, customerId: string): string {
  return `${stepName}@${customerId}`;
}

export function rollbackWorkflowId(rolloutId: string): string {
  return `${rolloutId}/rollback`;
}

/**
 * The repair of a rollout that ended behind Rampart's back (`rollout recover`). One per rollout:
 * started with a reuse policy that refuses duplicates, so a second recover finds the first.
 */
export function recoveryWorkflowId(rolloutId: string): string {
  return `${rolloutId}/recover`;
}

/** The recovery's rollback child: the same rollback workflow a rollout runs, under its own id. */
export function recoveryRollbackWorkflowId(rolloutId: string): string {
  return `${rolloutId}/recover/rollback`;
}

/** What a rollout's problems are deduplicated by: its breaker, an alert labelled with it, a report. */
export function rolloutDedupKey(rolloutId: string): string {
  return `rollout:${rolloutId}`;
}

/**
 * The problem an alert is about: an alert that names a rollout (a `rollout_id` label, `--rollout`)
 * is that rollout's problem and joins the incident its breaker opens; any other is its dedup key's.
 */
export function incidentKeyFor(alert: { dedupKey: string; rolloutId?: string | undefined }): string {
  return alert.rolloutId ? rolloutDedupKey(alert.rolloutId) : alert.dedupKey;
}

/**
 * The incident a rollout's breaker opens once its first one is resolved: `inc-<rollout>.<n>`,
 * n = 2, 3, … (the first is `incidentWorkflowId(rolloutDedupKey(rollout))`, `inc-<rollout>`).
 */
export function followUpIncidentId(rolloutId: string, n: number): string {
  return `${incidentWorkflowId(rolloutDedupKey(rolloutId))}.${n}`;
}

const ROLLOUT_KEY = /^rollout:([A-Za-z0-9._-]{1,100})$/;

/**
 * The one incident id scheme: same dedup key, same incident. A rollout's problems read as
 * `inc-<rolloutId>`, so on-call can type it; any other key is hashed (keys can be long and carry
 * any character). Pure JS, so the breaker in the workflow sandbox computes the same id.
 */
export function incidentWorkflowId(dedupKey: string): string {
  const rollout = ROLLOUT_KEY.exec(dedupKey);
  if (rollout) return `inc-${rollout[1]}`;
  return `inc-${bytesToHex(sha256(utf8ToBytes(dedupKey))).slice(0, 10)}`;
}

/**
 * The lock workflow of one fleet's lease (contract/lease.ts). Per task queue too: rollouts of one
 * Rampart installation share a queue, and separate installations (or test runs) never block each other.
 */
/** The change-control record (quarantines) of one task queue: workflows/changeControl.ts. */
export function changeControlWorkflowId(taskQueue: string): string {
  return `change-control/${taskQueue}`;
}

export function fleetLeaseWorkflowId(taskQueue: string, fleetName: string): string {
  return `fleet-lease/${taskQueue}/${fleetName}`;
}

/** A train's schedule, per task queue like the fleet lease: separate installations never share one. */
export function trainScheduleId(taskQueue: string, train: string): string {
  return `train/${taskQueue}/${train}`;
}

/** What every schedule id of one task queue starts with (`schedule list`). */
export function trainSchedulePrefix(taskQueue: string): string {
  return `train/${taskQueue}/`;
}

/** The id the schedule gives its runs; Temporal appends the run's scheduled time. */
export function trainRunWorkflowId(taskQueue: string, train: string): string {
  return `${trainScheduleId(taskQueue, train)}/run`;
}

/**
 * The rollout a train starts for a version: one per train and version, so a train never ships
 * the same version twice (a run that finds it started before reports "nothing to release").
 */
export function trainRolloutId(train: string, version: string): string {
  return `train-${train}-${version}`;
}
