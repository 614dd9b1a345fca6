/**
 * The contract between Rampart's two sides: every message a workflow answers, their argument
 * schemas, the workflow type names and the id builders. Sandbox-safe: workflows import it too.
 */
export * from './alertEvent';
export * from './changeControl';
export * from './commandArgs';
export * from './freeze';
export * from './ids';
export * from './incident';
export * from './lease';
export * from './messageArgs';
export * from './recovery';
export * from './rollback';
export * from './rollout';
export * from './searchAttributes';
export * from './step';
export * from './timeline';
export * from './train';
export * from './workflowTypes';
