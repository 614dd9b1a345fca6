import type { ChangeControlWorkflow, FleetLeaseWorkflow, IncidentWorkflow, RecoveryWorkflow, RollbackWorkflow, RolloutWorkflow, StepWorkflow, TrainRunWorkflow, WorkflowType } from '../contract/workflowTypes';
import { changeControlWorkflow } from './changeControl';
import { fleetLeaseWorkflow } from './fleetLease';
import { incidentWorkflow } from './incident';
import { recoveryWorkflow } from './recovery';
import { rollbackWorkflow } from './rollback';
import { rolloutWorkflow } from './rollout';
import { stepWorkflow } from './step';
import { trainRunWorkflow } from './trainRun';

export { changeControlWorkflow, fleetLeaseWorkflow, incidentWorkflow, recoveryWorkflow, rollbackWorkflow, rolloutWorkflow, stepWorkflow, trainRunWorkflow };

// Each registered workflow has the name and signature the contract gives it (checked when compiling).
({ rolloutWorkflow, stepWorkflow, rollbackWorkflow, incidentWorkflow, fleetLeaseWorkflow, recoveryWorkflow, changeControlWorkflow, trainRunWorkflow }) satisfies {
  [K in (typeof WorkflowType)[keyof typeof WorkflowType]]: {
    rolloutWorkflow: RolloutWorkflow;
    stepWorkflow: StepWorkflow;
    rollbackWorkflow: RollbackWorkflow;
    incidentWorkflow: IncidentWorkflow;
    fleetLeaseWorkflow: FleetLeaseWorkflow;
    recoveryWorkflow: RecoveryWorkflow;
    changeControlWorkflow: ChangeControlWorkflow;
    trainRunWorkflow: TrainRunWorkflow;
  }[K];
};
