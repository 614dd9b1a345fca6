import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { ParentClosePolicy, getExternalWorkflowHandle, patched, startChild } from '@temporalio/workflow';
import { followUpIncidentId, incidentWorkflowId, rolloutDedupKey } from '../contract/ids';
import { escalationPoliciesSchema, policyFor, type IncidentInput } from '../domain/incident';
import { describeErrors, parseInput } from '../domain/issues';
import type { Playbook } from '../domain/playbook';
import { incidentWorkflow } from './incident';
import { alertSignal, incidentNoteSignal } from '../contract/incident';
import type { RolloutTracker } from './rolloutTracker';
import type { IncidentNote } from '../contract/timeline';
import { describeBreakGlass, type StartBreakGlass } from '../domain/breakGlass';

/**
 * The incident a rollout's breaker opens, and what the rollout reports into it afterwards. A
 * rollout can trip more than once (held, resumed, tripped again): the later trips report into the
 * incident while it is open, and open the next one (`inc-<rollout>.2`, …) once it is resolved.
 */
export class RolloutIncidents {
  private incidentId: string | null = null;
  /** Incidents this rollout opened or joined: the next one's ordinal is this plus one. */
  private count = 0;

  constructor(
    private readonly rolloutId: string,
    private readonly tracker: RolloutTracker,
    private readonly breakGlass?: StartBreakGlass,
    /** A drill's incident says so in its summary and marks every page it sends. */
    private readonly drill = false,
  ) {}

  /**
   * A breaker trip (or a rollback that could not be verified) for on-call: the first opens the
   * incident; a later one is a note into it while it is open, or a new incident once it is closed.
   */
  async report(config: NonNullable<Playbook['incidents']>, escalation: unknown, reason: string, note: IncidentNote, summary?: string): Promise<void> {
    if (this.incidentId !== null && patched('report-into-open-incident')) {
      const reported = await getExternalWorkflowHandle(this.incidentId).signal(incidentNoteSignal, { event: note, detail: reason })
        .then(() => true, () => false);
      if (reported) {
        this.tracker.incidentUpdated(this.incidentId, note);
        return;
      }
      // Signalling a closed workflow fails: that incident was resolved, this is a new one.
      return this.open(config, escalation, reason, followUpIncidentId(this.rolloutId, this.count + 1), summary);
    }
    return this.open(config, escalation, reason, undefined, summary);
  }

  /** Opens the incident as a child that outlives the rollout: escalation goes on after a rollback. */
  async open(config: NonNullable<Playbook['incidents']>, escalation: unknown, reason: string, id?: string, summaryText?: string): Promise<void> {
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
    const incidentId = id ?? incidentWorkflowId(dedupKey);
    const details: Record<string, string> = { reason };
    // Whoever reads the incident learns the rollout went past change control, and on whose word.
    if (this.breakGlass && patched('break-glass-start')) details.breakGlass = `${this.breakGlass.reason}: ${describeBreakGlass(this.breakGlass)}`;
    if (!config.automatedRollback) details.manualRecovery = (config.manualRecovery ?? []).map((s, i) => `${i + 1}. ${s}`).join('\n');
    const plain = summaryText ?? `Breaker tripped in rollout ${this.rolloutId}`;
    // Its pages start with [DRILL] (incidentPager.ts); the summary says so too, for `incident status` and lists.
    const summary = this.drill ? `${plain} (game day drill)` : plain;
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
          ...(this.drill ? { drill: true as const } : {}),
        }],
      });
    } catch (err) {
      // An alert about this rollout got there first: the breaker joins that incident.
      if (!(err instanceof WorkflowExecutionAlreadyStartedError) || !patched('breaker-joins-open-incident')) throw err;
      await getExternalWorkflowHandle(incidentId).signal(alertSignal, {
        source: 'breaker', severity: config.severity, summary, dedupKey, rolloutId: this.rolloutId, details,
      });
      this.opened(incidentId, true);
      return;
    }
    this.opened(incidentId, false);
  }

  private opened(incidentId: string, joined: boolean): void {
    this.incidentId = incidentId;
    this.count++;
    this.tracker.incidentOpened(incidentId, joined);
  }

  /** Reports into the incident's thread; nothing to do when no incident was opened. */
  async note(event: IncidentNote, detail: string): Promise<void> {
    if (!this.incidentId) return;
    await getExternalWorkflowHandle(this.incidentId).signal(incidentNoteSignal, { event, detail }).catch(() => undefined);
  }

}
