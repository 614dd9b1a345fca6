import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { ParentClosePolicy, getExternalWorkflowHandle, patched, startChild } from '@temporalio/workflow';
import { incidentWorkflowId, rolloutDedupKey } from '../contract/ids';
import { escalationPoliciesSchema, policyFor, type IncidentInput } from '../domain/incident';
import { describeErrors, parseInput } from '../domain/issues';
import type { Playbook } from '../domain/playbook';
import { incidentWorkflow } from './incident';
import { alertSignal, incidentNoteSignal } from '../contract/incident';
import type { RolloutTracker } from './rolloutTracker';
import type { IncidentNote } from '../contract/timeline';

/** The incident a rollout's breaker opens, and what the rollout reports into it afterwards. */
export class RolloutIncidents {
  private incidentId: string | null = null;

  constructor(private readonly rolloutId: string, private readonly tracker: RolloutTracker) {}

  /** Opens the incident as a child that outlives the rollout: escalation goes on after a rollback. */
  async open(config: NonNullable<Playbook['incidents']>, escalation: unknown, reason: string): Promise<void> {
    const policies = parseInput(escalationPoliciesSchema, escalation);
    if (!policies.ok) {
      this.tracker.incidentNotOpened(`escalation policy invalid: ${describeErrors(policies.errors)}`);
      return;
    }
    const policy = policyFor(policies.value, config.severity);
    const index = policy ? policies.value.policies.indexOf(policy) : -1;
    const written = (escalation as { policies: IncidentInput['policy'][] }).policies[index];
    if (!written) {
      this.tracker.incidentNotOpened(`no escalation policy handles ${config.severity}`);
      return;
    }
    const dedupKey = rolloutDedupKey(this.rolloutId);
    const incidentId = incidentWorkflowId(dedupKey);
    const details: Record<string, string> = { reason };
    if (!config.automatedRollback) details.manualRecovery = (config.manualRecovery ?? []).map((s, i) => `${i + 1}. ${s}`).join('\n');
    const summary = `Breaker tripped in rollout ${this.rolloutId}`;
    try {
      await startChild(incidentWorkflow, {
        workflowId: incidentId,
        parentClosePolicy: ParentClosePolicy.ABANDON,
        args: [{
          incidentId,
          severity: config.severity,
          summary,
          source: 'breaker',
          dedupKey,
          rolloutId: this.rolloutId,
          openedBy: 'rampart',
          policy: written,
          details,
        }],
      });
    } catch (err) {
      // An alert about this rollout got there first: the breaker joins that incident.
      if (!(err instanceof WorkflowExecutionAlreadyStartedError) || !patched('breaker-joins-open-incident')) throw err;
      await getExternalWorkflowHandle(incidentId).signal(alertSignal, {
        source: 'breaker', severity: config.severity, summary, dedupKey, rolloutId: this.rolloutId, details,
      });
      this.incidentId = incidentId;
      this.tracker.incidentOpened(incidentId, true);
      return;
    }
    this.incidentId = incidentId;
    this.tracker.incidentOpened(incidentId, false);
  }

  /** Reports into the incident's thread; nothing to do when no incident was opened. */
  async note(event: IncidentNote, detail: string): Promise<void> {
    if (!this.incidentId) return;
    await getExternalWorkflowHandle(this.incidentId).signal(incidentNoteSignal, { event, detail }).catch(() => undefined);
  }
}
