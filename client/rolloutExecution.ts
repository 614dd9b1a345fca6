import { WorkflowNotFoundError, type Client, type WorkflowExecutionDescription } from '@temporalio/client';
import { decodeArrayFromPayloads } from '@temporalio/common/lib/internal-non-workflow';
import { recoveryWorkflowId, rolloutWorkflowId } from '../contract/ids';
import type { RecoveryMemo, RecoveryResult } from '../contract/recovery';
import type { RecoveryWorkflow } from '../contract/workflowTypes';
import { rolloutInputSchema, type RolloutInput } from '../domain/rolloutInput';
import type { Interruption, RecoverySummary } from '../domain/rolloutStatus';

/**
 * What Temporal itself knows about a rollout's execution, for when the workflow's own answer is
 * not the whole truth: a rollout terminated, cancelled or timed out never wrote its end, so its
 * last status still says "running". Read from the execution and its history, never guessed.
 */

/**
 * How long a closed workflow's query may take: with no worker up it would never be answered. Under
 * the portal's 5 s bound on a whole read, so the fallback to its input still fits inside it.
 */
export const CLOSED_QUERY_MS = 3000;

/** Execution statuses that mean the rollout's own code did not end it. */
const INTERRUPTED = { TERMINATED: 'terminated', CANCELLED: 'cancelled', TIMED_OUT: 'timed_out', FAILED: 'failed' } as const;

export type InterruptedStatus = keyof typeof INTERRUPTED;

export function isInterrupted(status: string): status is InterruptedStatus {
  return status in INTERRUPTED;
}

/** How the execution ended, with who and why where the history recorded it; null when it did not end so. */
export async function readInterruption(client: Client, description: WorkflowExecutionDescription): Promise<Omit<Interruption, 'lastState'> | null> {
  const status = description.status.name;
  if (!isInterrupted(status)) return null;
  const at = (description.closeTime ?? new Date()).toISOString();
  let by: string | null = null;
  let reason: string | null = null;
  // The closing events are the last ones: read the history backwards, one short page.
  const page = await client.workflowService.getWorkflowExecutionHistoryReverse({
    namespace: client.options.namespace,
    execution: { workflowId: description.workflowId, runId: description.runId },
    maximumPageSize: 20,
  }).catch(() => null);
  for (const event of page?.history?.events ?? []) {
    const terminated = event.workflowExecutionTerminatedEventAttributes;
    const cancel = event.workflowExecutionCancelRequestedEventAttributes;
    const failed = event.workflowExecutionFailedEventAttributes;
    if (terminated) ({ by, reason } = { by: terminated.identity || null, reason: terminated.reason || null });
    else if (cancel) ({ by, reason } = { by: cancel.identity || null, reason: cancel.cause || null });
    else if (failed) reason = failed.failure?.message || null;
    else continue;
    break;
  }
  if (status === 'TIMED_OUT') reason ??= 'the run or execution timeout set on the workflow passed';
  return { how: INTERRUPTED[status], at, by, reason };
}

/** The argument a workflow run was started with, decoded as the client's data converter encodes it. */
export async function readStartInput(client: Client, workflowId: string, runId: string): Promise<unknown> {
  const page = await client.workflowService.getWorkflowExecutionHistory({
    namespace: client.options.namespace,
    execution: { workflowId, runId },
    maximumPageSize: 1,
  });
  const started = page.history?.events?.[0]?.workflowExecutionStartedEventAttributes;
  const [input] = await decodeArrayFromPayloads(client.options.loadedDataConverter, started?.input?.payloads);
  return input;
}

/** The input the rollout's latest run was started with. */
export async function readRolloutInput(client: Client, rolloutId: string, runId: string): Promise<RolloutInput> {
  return rolloutInputSchema.parse(await readStartInput(client, rolloutWorkflowId(rolloutId), runId));
}

/** The `rollout recover` of this rollout, if there is one: running, or ended with its result. */
export async function readRecovery(client: Client, rolloutId: string): Promise<{ summary: RecoverySummary; result: RecoveryResult | null } | null> {
  const handle = client.workflow.getHandle<RecoveryWorkflow>(recoveryWorkflowId(rolloutId));
  let description: WorkflowExecutionDescription;
  try {
    description = await handle.describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return null;
    throw err;
  }
  const memo = (description.memo ?? {}) as Partial<RecoveryMemo>;
  const base = { by: memo.by ?? 'unknown', reason: memo.reason ?? '', startedAt: description.startTime.toISOString() };
  if (description.status.name === 'RUNNING') return { summary: { ...base, state: 'rolling_back', endedAt: null, outcomes: [] }, result: null };
  if (description.status.name !== 'COMPLETED') {
    // The recovery itself was ended behind Rampart's back: nothing is known to be verified back.
    const endedAt = (description.closeTime ?? new Date()).toISOString();
    const note = `the recovery was ${description.status.name.toLowerCase().replace('_', ' ')} before its end: run rollout recover again`;
    return { summary: { ...base, state: 'rollback_incomplete', endedAt, outcomes: [], note }, result: null };
  }
  const result = await handle.result();
  const outcomes = result.outcomes.map(({ targetId, version, verified, detail }) => ({ targetId, version, verified, detail }));
  return { summary: { ...base, state: result.state, endedAt: result.endedAt, outcomes }, result };
}
