/**
 * The events a rollout's and an incident's timeline can show. The CLI, portal, demo and tests
 * read timelines by these names; a workflow can note nothing else.
 */
export const ROLLOUT_EVENTS = [
  'started',
  /** The start went past a change-control rule (a review past its date) with a reason and another person's approval. */
  'break-glass',
  /** A game day (`rampart drill`, a train's drill run): pages say [DRILL], customers are not told, nothing is quarantined. */
  'drill',
  'planning checks passed',
  /** The risk level set the pace (playbook planning.velocity): bakes multiplied, approvals added. */
  'risk pace set',
  /** Near misses and open corrective actions of the playbook's last release reports. */
  'lessons from earlier releases',
  'queued for lease',
  'lease granted',
  'lease taken over',
  'artifact verified',
  'awaiting approval',
  'approved',
  'step started',
  'step passed',
  'step breached',
  'step halted',
  'step re-gating',
  'paused',
  'resumed',
  'promoted',
  'emergency stop',
  'rollback requested',
  'breaker tripped',
  /** Change control (workflows/changeControl.ts): this rollout's breaker quarantined its version. */
  'version quarantined',
  'degrading',
  'degraded',
  'degrade did not help',
  'degrade failed',
  'rolling back',
  'rollback finished',
  'left alone',
  'incident opened',
  'incident joined',
  'incident updated',
  'incident not opened',
  'near miss',
  'customer pinned to N-1',
  'customer deferred',
  'customer window open',
  'customer rescheduled',
  'rollout completed',
  'rollout rolled_back',
  'rollout rollback_incomplete',
  'rollout failed',
  // Read from the execution, never written by the workflow: it ended behind Rampart's back.
  'rollout terminated',
  'rollout cancelled',
  'rollout timed_out',
  'recovery requested',
  'recovery rolled_back',
  'recovery rollback_incomplete',
  'held',
  'frozen',
  'freeze ended',
  'freeze overridden',
  /** The release report (rampart release report) was written, at the end or while held. */
  'release report written',
  'release report failed',
  /** A Signal whose argument broke its schema (contract/messageArgs.ts): dropped, the rollout unchanged. */
  'message dropped',
] as const;
export type RolloutEvent = (typeof ROLLOUT_EVENTS)[number];

/** What a rollout reports into the incident its breaker opened. */
export const INCIDENT_NOTES = ['rollback finished', 'rollback incomplete', 'contained', 'degrade did not help', 'breaker tripped again'] as const;
export type IncidentNote = (typeof INCIDENT_NOTES)[number];

export const INCIDENT_EVENTS = [
  'detected',
  'paged',
  'escalated',
  'escalation requested',
  'acknowledged',
  'duplicate alert joined',
  'alert resolved at source',
  'notification failed',
  'near miss',
  'resolved',
  'root cause analysis written',
  /** A Signal whose argument broke its schema (contract/messageArgs.ts): dropped, the incident unchanged. */
  'message dropped',
  ...INCIDENT_NOTES,
] as const;
export type IncidentEvent = (typeof INCIDENT_EVENTS)[number];
