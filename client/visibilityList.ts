import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { z } from 'zod';
import { LISTING_MEMO, type RampartSearchAttribute } from '../contract/searchAttributes';
import { notSetUpOr } from './notSetUp';

/**
 * Reading Temporal visibility for the lists: a query on Rampart's search attributes, the
 * workflow type and the task queue, and the few fields a list row shows. Visibility is
 * eventually consistent: a change shows up there a moment after the workflow made it.
 */

/** A string literal in a visibility query; the values reaching here are already checked, this is the backstop. */
export function literal(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

export const equals = (key: RampartSearchAttribute | string, value: string): string =>
  `${typeof key === 'string' ? key : key.name} = ${literal(value)}`;

/** Any of the clauses (each already parenthesised where it needs to be). */
export const anyOf = (clauses: string[]): string => (clauses.length === 1 ? (clauses[0] as string) : `(${clauses.join(' OR ')})`);

/**
 * Temporal's execution status names in a query. A run that continued as new is not a row of its
 * own: its successor is.
 */
export const EXECUTION = {
  running: "ExecutionStatus = 'Running'",
  terminated: "ExecutionStatus = 'Terminated'",
  cancelled: "ExecutionStatus = 'Canceled'",
  timed_out: "ExecutionStatus = 'TimedOut'",
  failed: "ExecutionStatus = 'Failed'",
  notContinued: "ExecutionStatus != 'ContinuedAsNew'",
} as const;

/** At most `limit` executions, in the server's order (running first, then the most recently closed); `more` when others matched. */
export async function listExecutions(client: Client, query: string, limit: number): Promise<{ executions: WorkflowExecutionInfo[]; more: boolean }> {
  const executions: WorkflowExecutionInfo[] = [];
  try {
    for await (const execution of client.workflow.list({ query, pageSize: Math.min(limit + 1, 1000) })) {
      if (executions.length === limit) return { executions, more: true };
      executions.push(execution);
    }
  } catch (err) {
    // A namespace nobody set up refuses a query on attributes it does not know: say what to run.
    throw await notSetUpOr(client, err);
  }
  return { executions, more: false };
}

/** How an execution ended when its own code did not end it; null while it runs or when it ended itself. */
export function endedOutside(execution: WorkflowExecutionInfo): 'terminated' | 'cancelled' | 'timed_out' | 'failed' | null {
  switch (execution.status.name) {
    case 'TERMINATED':
      return 'terminated';
    case 'CANCELLED':
      return 'cancelled';
    case 'TIMED_OUT':
      return 'timed_out';
    case 'FAILED':
      return 'failed';
    default:
      return null;
  }
}

const memoText = z.string().nullish().catch(null);

/** A memo field as the workflow wrote it, or null (an older run, or someone else's memo). */
export function memoField(execution: WorkflowExecutionInfo, field: (typeof LISTING_MEMO)[keyof typeof LISTING_MEMO]): string | null {
  return memoText.parse(execution.memo?.[field]) ?? null;
}

export function attribute(execution: WorkflowExecutionInfo, key: RampartSearchAttribute): string | null {
  const value = execution.typedSearchAttributes.get(key);
  return typeof value === 'string' ? value : null;
}

/** `2026-12-02 14:05:03Z`: sortable, and short enough for a table. */
export function shortTime(date: Date | undefined): string {
  return date ? `${date.toISOString().slice(0, 19).replace('T', ' ')}Z` : '-';
}

/** `--state a,b`: each value checked against the allowed ones; exit 2 names the one unknown and lists them. */
export function stateListSchema<T extends string>(allowed: readonly T[]) {
  const rule = `expected one of ${allowed.join(', ')} (several separated by ",")`;
  return z.string().transform((text, ctx): T[] => {
    const states = text.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
    const unknown = states.find((s) => !(allowed as readonly string[]).includes(s));
    if (states.length === 0 || unknown !== undefined) {
      ctx.addIssue({ code: 'custom', message: unknown === undefined ? rule : `unknown state "${unknown}": ${rule}` });
      return z.NEVER;
    }
    return states as T[];
  });
}

export const limitSchema = z.coerce.number({ error: 'expected a number' }).int('expected a whole number').min(1, 'expected at least 1').max(1000, 'expected at most 1000');

/** A table: columns padded to their widest cell; every cell must already be terminal-safe. */
export function renderTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}
