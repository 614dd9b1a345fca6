import { createHash } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { policyFor, type EscalationPolicies, type IncidentInput } from '../domain/incident';
import { alertEventSchema, type AlertEvent } from '../domain/incidentCommands';
import { UserError } from './exitCodes';

/** Same dedup key, same incident id: a repeated alert finds the incident it belongs to. */
export function incidentIdFor(dedupKey: string): string {
  return `inc-${createHash('sha256').update(dedupKey).digest('hex').slice(0, 10)}`;
}

/**
 * Opens an incident for an alert, or joins the open one with the same dedup key (the alert is
 * then recorded as a duplicate on it). Returns the incident id and whether it is new.
 */
export async function openOrJoinIncident(
  client: Client,
  taskQueue: string,
  policies: { raw: unknown; value: EscalationPolicies },
  raw: AlertEvent,
  openedBy: string,
): Promise<{ incidentId: string; opened: boolean }> {
  const event = alertEventSchema.parse(raw);
  const incidentId = incidentIdFor(event.dedupKey);
  const policy = policyFor(policies.value, event.severity);
  if (!policy) throw new UserError(`no escalation policy handles ${event.severity}`);
  // The workflow gets the policy as written (durations as text) and parses it again itself.
  const written = (policies.raw as { policies: IncidentInput['policy'][] }).policies[policies.value.policies.indexOf(policy)];
  if (!written) throw new Error('escalation policy file changed while loading');
  const input: IncidentInput = {
    incidentId,
    severity: event.severity,
    summary: event.summary,
    source: event.source,
    dedupKey: event.dedupKey,
    openedBy,
    policy: written,
    details: event.details,
    ...(event.rolloutId ? { rolloutId: event.rolloutId } : {}),
  };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await client.workflow.start('incidentWorkflow', { taskQueue, workflowId: incidentId, args: [input], workflowIdConflictPolicy: 'FAIL' });
      return { incidentId, opened: true };
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
    try {
      await client.workflow.getHandle(incidentId).signal('alert', event);
      return { incidentId, opened: false };
    } catch (err) {
      // It closed between the two calls: the next start opens a new incident.
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
  }
  throw new Error(`could not open or join incident ${incidentId}`);
}
