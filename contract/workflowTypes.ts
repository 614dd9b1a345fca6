import type { IncidentInput } from '../domain/incident';
import type { IncidentStatus } from '../domain/incidentStatus';
import type { RolloutInput } from '../domain/rolloutInput';
import type { RolloutStatus } from '../domain/rolloutStatus';
import type { ChangeControlInput } from './changeControl';
import type { FleetLeaseInput } from './lease';
import type { RecoveryInput, RecoveryResult } from './recovery';
import type { RollbackInput, RollbackOutcome } from './rollback';
import type { StepInput, StepResult } from './step';
import type { TrainRunInput, TrainRunResult } from './train';

/**
 * The workflow types Rampart registers, by name. Each workflow function is named exactly so
 * (workflows/index.ts checks the signatures against the types below at compile time).
 */
export const WorkflowType = {
  rollout: 'rolloutWorkflow',
  step: 'stepWorkflow',
  rollback: 'rollbackWorkflow',
  incident: 'incidentWorkflow',
  fleetLease: 'fleetLeaseWorkflow',
  recovery: 'recoveryWorkflow',
  changeControl: 'changeControlWorkflow',
  trainRun: 'trainRunWorkflow',
} as const;

export type RolloutWorkflow = (input: RolloutInput) => Promise<RolloutStatus>;
export type StepWorkflow = (input: StepInput) => Promise<StepResult>;
export type RollbackWorkflow = (input: RollbackInput) => Promise<RollbackOutcome[]>;
export type IncidentWorkflow = (input: IncidentInput) => Promise<IncidentStatus>;
/** The lock of one fleet's lease: runs as long as it is used, continuing as new. */
export type FleetLeaseWorkflow = (input: FleetLeaseInput) => Promise<void>;
/** The change-control record of one task queue: runs for as long as the queue, continuing as new. */
export type ChangeControlWorkflow = (input: ChangeControlInput) => Promise<void>;
/** Rolls back what an interrupted rollout changed (`rollout recover`). */
export type RecoveryWorkflow = (input: RecoveryInput) => Promise<RecoveryResult>;
/** One run of a release train, started by its Temporal Schedule. */
export type TrainRunWorkflow = (input: TrainRunInput) => Promise<TrainRunResult>;

/** A visibility query clause matching any of the given workflow types. */
export function workflowTypeIs(...types: (typeof WorkflowType)[keyof typeof WorkflowType][]): string {
  return `(${types.map((t) => `WorkflowType = '${t}'`).join(' OR ')})`;
}
