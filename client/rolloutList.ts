import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { LISTING_MEMO, SEARCH_ATTRIBUTES as SA } from '../contract/searchAttributes';
import { WorkflowType } from '../contract/workflowTypes';
import type { RolloutState } from '../domain/rolloutStatus';
import { anyOf, attribute, endedOutside, equals, EXECUTION, listExecutions, literal, memoField } from './visibilityList';

/** Every state `--state` takes: the ones the workflow writes, and how an execution ended outside Rampart. */
export const LISTED_ROLLOUT_STATES = [
  'queued', 'running', 'awaiting_approval', 'paused', 'frozen', 'stopping', 'held', 'rolling_back',
  'completed', 'rolled_back', 'rollback_incomplete', 'failed', 'terminated', 'cancelled', 'timed_out',
] as const satisfies readonly RolloutState[];
// A state added to RolloutState and not here fails to compile: the lists must know every state.
type Missing = Exclude<RolloutState, (typeof LISTED_ROLLOUT_STATES)[number]>;
const everyStateListed: Missing extends never ? true : Missing = true;
void everyStateListed;

const WRITTEN_WHILE_RUNNING: readonly RolloutState[] = ['queued', 'running', 'awaiting_approval', 'paused', 'frozen', 'stopping', 'held', 'rolling_back'];

export interface RolloutFilter {
  states?: RolloutState[];
  playbook?: string;
  version?: string;
  train?: string;
}

export interface RolloutRow {
  rolloutId: string;
  /** What the rollout last said, or how its execution ended when its own code did not end it. */
  state: RolloutState | 'unknown';
  playbook: string | null;
  version: string | null;
  train: string | null;
  /** The step it is at (or was at when it ended). */
  step: string | null;
  /** Why it is held, paused, waiting or ended, in a line. */
  why: string | null;
  startedAt: string;
  endedAt: string | null;
}

/**
 * One state as a query clause. A state the workflow writes while it runs counts only while the
 * execution runs (a rollout terminated while "running" is terminated, not running); a state it
 * ends with is its last word; terminated, cancelled and timed out are Temporal's own.
 */
function stateClause(state: RolloutState): string {
  switch (state) {
    case 'terminated':
    case 'cancelled':
    case 'timed_out':
      return EXECUTION[state];
    case 'failed':
      return `(${equals(SA.rolloutState, 'failed')} OR ${EXECUTION.failed})`;
    default:
      return WRITTEN_WHILE_RUNNING.includes(state)
        ? `(${equals(SA.rolloutState, state)} AND ${EXECUTION.running})`
        : `(${equals(SA.rolloutState, state)} AND ${EXECUTION.notContinued})`;
  }
}

export function rolloutQuery(taskQueue: string, filter: RolloutFilter): string {
  return [
    `WorkflowType = ${literal(WorkflowType.rollout)}`,
    `TaskQueue = ${literal(taskQueue)}`,
    EXECUTION.notContinued,
    ...(filter.states ? [anyOf(filter.states.map(stateClause))] : []),
    ...(filter.playbook ? [equals(SA.playbook, filter.playbook)] : []),
    ...(filter.version ? [equals(SA.version, filter.version)] : []),
    ...(filter.train ? [equals(SA.train, filter.train)] : []),
  ].join(' AND ');
}

function rowOf(execution: WorkflowExecutionInfo): RolloutRow {
  const written = attribute(execution, SA.rolloutState) as RolloutState | null;
  const outside = endedOutside(execution);
  // Ended outside its own code: Temporal's word wins over the last state the rollout wrote.
  const state = outside === 'failed' ? 'failed' : outside ?? written ?? 'unknown';
  const why = outside && outside !== written
    ? `${outside.replace('_', ' ')} outside Rampart${written ? ` while ${written}` : ''}: rampart rollout status ${execution.workflowId}`
    : state === 'unknown'
      ? `no state listed yet (no worker has picked it up, or it started before the lists): rampart rollout status ${execution.workflowId}`
      : memoField(execution, LISTING_MEMO.why);
  return {
    rolloutId: execution.workflowId,
    state,
    playbook: attribute(execution, SA.playbook),
    version: attribute(execution, SA.version),
    train: attribute(execution, SA.train),
    step: memoField(execution, LISTING_MEMO.step),
    why,
    startedAt: execution.startTime.toISOString(),
    endedAt: execution.closeTime?.toISOString() ?? null,
  };
}

export async function listRollouts(client: Client, taskQueue: string, filter: RolloutFilter, limit: number): Promise<{ rollouts: RolloutRow[]; more: boolean }> {
  const { executions, more } = await listExecutions(client, rolloutQuery(taskQueue, filter), limit);
  return { rollouts: executions.map(rowOf), more };
}
