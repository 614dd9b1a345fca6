export { rolloutWorkflow } from './rollout';
export { stepWorkflow } from './step';
export { rollbackWorkflow } from './rollback';
export { incidentWorkflow } from './incident';
