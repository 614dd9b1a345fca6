import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client, type WorkflowExecutionDescription, type WorkflowHandle } from '@temporalio/client';
import { policyFor, type EscalationPolicies, type IncidentInput } from '../domain/incident';
import type { IncidentStatus } from '../domain/incidentStatus';
import { alertEventSchema, type AlertEvent } from '../contract/alertEvent';
import type { CommandArgs, ResolveArgs } from '../contract/commandArgs';
import { incidentKeyFor, incidentWorkflowId } from '../contract/ids';
import { alertSignal, incidentCommands, incidentStatusQuery, type IncidentCommand } from '../contract/incident';
import { WorkflowType, type IncidentWorkflow } from '../contract/workflowTypes';
import { NotFoundError, RejectedError } from './errors';
import { incidentStatusFromInput } from './incidentFromInput';
import { CLOSED_QUERY_MS, readInterruption, readStartInput } from './rolloutExecution';

export type IncidentHandle = WorkflowHandle<IncidentWorkflow>;

/** Escalation policies as loaded: the parsed value to choose by, the text as written to hand over. */
export interface LoadedPolicies {
  raw: unknown;
  value: EscalationPolicies;
}

export class NoPolicyError extends Error {
  constructor(readonly severity: string) {
    super(`no escalation policy handles ${severity}`);
    this.name = 'NoPolicyError';
  }
}

/** Open or join incidents, command them and read them, by the contract's definitions. */
export class IncidentClient {
  constructor(readonly client: Client, readonly taskQueue: string) {}

  /** Starts an incident with a given input (the breaker and tests); alerts go through openOrJoin. */
  async start(input: IncidentInput): Promise<IncidentHandle> {
    return this.client.workflow.start<IncidentWorkflow>(WorkflowType.incident, { taskQueue: this.taskQueue, workflowId: input.incidentId, args: [input] });
  }

  handle(incidentId: string): IncidentHandle {
    return this.client.workflow.getHandle<IncidentWorkflow>(incidentId);
  }

  /**
   * Opens the incident an alert's dedup key names, or joins the open one, in one call
   * (signalWithStart): the alert is the new incident's opening alert, or a duplicate of the open
   * one. A rollout's alerts share its breaker's incident, since both key on the rollout.
   */
  async openOrJoin(policies: LoadedPolicies, raw: AlertEvent, openedBy: string): Promise<{ incidentId: string; opened: boolean }> {
    const event = alertEventSchema.parse(raw);
    const dedupKey = incidentKeyFor(event);
    const incidentId = incidentWorkflowId(dedupKey);
    const policy = policyFor(policies.value, event.severity);
    if (!policy) throw new NoPolicyError(event.severity);
    // The workflow gets the policy as written (durations as text) and parses it again itself.
    const written = (policies.raw as { policies: IncidentInput['policy'][] }).policies[policies.value.policies.indexOf(policy)];
    if (!written) throw new Error('escalation policy file changed while loading');
    const alertId = randomUUID();
    const input: IncidentInput = {
      incidentId,
      severity: event.severity,
      summary: event.summary,
      source: event.source,
      dedupKey,
      openedBy,
      policy: written,
      details: event.details,
      openingAlertId: alertId,
      ...(event.rolloutId ? { rolloutId: event.rolloutId } : {}),
    };
    const handle = await this.client.workflow.signalWithStart<IncidentWorkflow, [AlertEvent]>(WorkflowType.incident, {
      taskQueue: this.taskQueue,
      workflowId: incidentId,
      args: [input],
      signal: alertSignal,
      signalArgs: [{ ...event, alertId }],
      // Which run the signal reached tells opened from joined: only a run this call started carries its alert id.
      memo: { openingAlertId: alertId },
    });
    const run = await this.client.workflow.getHandle(incidentId, handle.signaledRunId).describe();
    return { incidentId, opened: run.memo?.openingAlertId === alertId };
  }

  /**
   * NotFoundError unless `incidentId` names an incident workflow: a rollout's id (or any other
   * workflow's) is no incident, and querying it would fail with Temporal's QueryNotRegisteredError.
   */
  async ensureIncident(incidentId: string): Promise<WorkflowExecutionDescription> {
    try {
      const description = await this.handle(incidentId).describe();
      if (description.type !== WorkflowType.incident) throw new NotFoundError('incident', incidentId);
      return description;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new NotFoundError('incident', incidentId);
      throw err;
    }
  }

  /**
   * The incident as it really stands. One ended outside Rampart (terminated, cancelled, timed out,
   * failed) says so in `interrupted`, over its last known status: it would otherwise read "open"
   * for ever while nobody is paged.
   */
  async status(incidentId: string): Promise<IncidentStatus> {
    const description = await this.ensureIncident(incidentId);
    const interruption = await readInterruption(this.client, description);
    if (!interruption) return this.query(incidentId);
    // A closed workflow answers queries only while a worker polls its queue: bounded, then its input.
    const answered = await this.client.withDeadline(Date.now() + CLOSED_QUERY_MS, () => this.query(incidentId)).catch(() => null);
    const lastKnown = answered ?? incidentStatusFromInput(incidentId, await readStartInput(this.client, incidentId, description.runId), description.startTime);
    return { ...lastKnown, interrupted: { ...interruption, ...(answered ? {} : { fromInputOnly: true as const }) } };
  }

  private async query(incidentId: string): Promise<IncidentStatus> {
    try {
      return await this.handle(incidentId).query(incidentStatusQuery);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new NotFoundError('incident', incidentId);
      throw err;
    }
  }

  /** Sends ack, escalate or resolve; a resolved incident or a validator's refusal is RejectedError. */
  async command<C extends IncidentCommand>(incidentId: string, command: C, args: C extends 'resolve' ? ResolveArgs : CommandArgs): Promise<string> {
    const status = await this.status(incidentId);
    if (status.interrupted) {
      const ended = status.interrupted;
      throw new RejectedError(command, `incident ${incidentId} was ${ended.how.replace('_', ' ')} outside Rampart at ${ended.at}${ended.reason ? ` (${ended.reason})` : ''}: it pages nobody and takes no commands; open a new incident if the problem is still there`);
    }
    if (status.state === 'resolved') throw new RejectedError(command, `incident ${incidentId} is already resolved`);
    try {
      return await this.handle(incidentId).executeUpdate(incidentCommands[command], { args: [args as ResolveArgs] });
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError) throw new RejectedError(command, err.cause?.message ?? err.message);
      throw err;
    }
  }

  ack(incidentId: string, args: CommandArgs): Promise<string> { return this.command(incidentId, 'ack', args); }
  escalate(incidentId: string, args: CommandArgs): Promise<string> { return this.command(incidentId, 'escalate', args); }
  resolve(incidentId: string, args: ResolveArgs): Promise<string> { return this.command(incidentId, 'resolve', args); }
}
