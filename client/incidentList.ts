import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { LISTING_MEMO, SEARCH_ATTRIBUTES as SA } from '../contract/searchAttributes';
import { WorkflowType } from '../contract/workflowTypes';
import type { IncidentState } from '../domain/incidentStatus';
import { anyOf, attribute, endedOutside, equals, EXECUTION, listExecutions, literal, memoField } from './visibilityList';

/** Every state `incident list --state` takes: the incident's own, and how its execution ended outside Rampart. */
export const LISTED_INCIDENT_STATES = ['open', 'acknowledged', 'resolved', 'terminated', 'cancelled', 'timed_out', 'failed'] as const;
export type ListedIncidentState = (typeof LISTED_INCIDENT_STATES)[number];
type Missing = Exclude<IncidentState, ListedIncidentState>;
const everyStateListed: Missing extends never ? true : Missing = true;
void everyStateListed;

export interface IncidentRow {
  incidentId: string;
  state: ListedIncidentState | 'unknown';
  severity: string | null;
  summary: string | null;
  /** The tier paged last. */
  paged: string | null;
  startedAt: string;
  endedAt: string | null;
}

function stateClause(state: ListedIncidentState): string {
  switch (state) {
    case 'terminated':
    case 'cancelled':
    case 'timed_out':
    case 'failed':
      return EXECUTION[state];
    case 'resolved':
      return `(${equals(SA.incidentState, state)} AND ${EXECUTION.notContinued})`;
    default:
      // Open or acknowledged only while its execution runs: one terminated while open pages nobody.
      return `(${equals(SA.incidentState, state)} AND ${EXECUTION.running})`;
  }
}

export interface IncidentFilter {
  states?: ListedIncidentState[];
  severity?: string;
}

export function incidentQuery(taskQueue: string, filter: IncidentFilter): string {
  return [
    `WorkflowType = ${literal(WorkflowType.incident)}`,
    `TaskQueue = ${literal(taskQueue)}`,
    EXECUTION.notContinued,
    ...(filter.states ? [anyOf(filter.states.map(stateClause))] : []),
    ...(filter.severity ? [equals(SA.incidentSeverity, filter.severity)] : []),
  ].join(' AND ');
}

function rowOf(execution: WorkflowExecutionInfo): IncidentRow {
  const written = attribute(execution, SA.incidentState) as IncidentState | null;
  return {
    incidentId: execution.workflowId,
    state: endedOutside(execution) ?? written ?? 'unknown',
    severity: attribute(execution, SA.incidentSeverity),
    summary: memoField(execution, LISTING_MEMO.summary),
    paged: memoField(execution, LISTING_MEMO.paged),
    startedAt: execution.startTime.toISOString(),
    endedAt: execution.closeTime?.toISOString() ?? null,
  };
}

export async function listIncidents(client: Client, taskQueue: string, filter: IncidentFilter, limit: number): Promise<{ incidents: IncidentRow[]; more: boolean }> {
  const { executions, more } = await listExecutions(client, incidentQuery(taskQueue, filter), limit);
  return { incidents: executions.map(rowOf), more };
}
