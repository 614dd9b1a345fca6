import { incidentStatusQuery } from '../../contract/incident';
import { statusQuery } from '../../contract/rollout';
import { WorkflowType, workflowTypeIs } from '../../contract/workflowTypes';
import type { Command } from 'commander';
import { z } from 'zod';
import type { IncidentStatus, NearMiss } from '../../domain/incidentStatus';
import type { RolloutStatus } from '../../domain/rolloutStatus';
import { parseFlags } from '../parseFlags';
import { terminalJson, tty } from '../../domain/escape/terminal';
import { withTemporal } from '../temporalSession';

interface NearMissRow extends NearMiss {
  workflow: string;
}

const flagsSchema = z.strictObject({
  limit: z.coerce.number({ error: 'expected a whole number' }).int().min(1).max(1000),
  json: z.boolean().optional(),
});

const QUERY_CONCURRENCY = 16;
const QUERY_DEADLINE_MS = 3000;

async function forEachBounded<T>(items: T[], limit: number, run: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(Array.from({ length: Math.min(limit, queue.length) }, async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await run(item);
  }));
}

/** Near misses across recent rollouts and incidents, newest first: the input for the next plan. */
async function listNearMisses(raw: unknown): Promise<void> {
  const flags = parseFlags(flagsSchema, raw);
  await withTemporal(async (client) => {
    const found: { workflowId: string; runId: string; type: string }[] = [];
    for await (const wf of client.workflow.list({ query: workflowTypeIs(WorkflowType.rollout, WorkflowType.incident) })) {
      if (found.length >= flags.limit) break;
      found.push({ workflowId: wf.workflowId, runId: wf.runId, type: wf.type });
    }
    // A query needs a worker for the workflow's task queue; one that no worker serves must not
    // hold up the rest: bounded concurrency, a deadline per query, and the unread ones counted.
    let unread = 0;
    const rows: NearMissRow[] = [];
    await forEachBounded(found, QUERY_CONCURRENCY, async (wf) => {
      const handle = client.workflow.getHandle(wf.workflowId, wf.runId);
      const read = (): Promise<RolloutStatus | IncidentStatus> =>
        wf.type === WorkflowType.rollout ? handle.query(statusQuery) : handle.query(incidentStatusQuery);
      const status = await client
        .withDeadline(Date.now() + QUERY_DEADLINE_MS, read)
        .catch(() => null);
      if (!status) unread++;
      for (const miss of status?.nearMisses ?? []) rows.push({ ...miss, workflow: wf.workflowId });
    });
    rows.sort((a, b) => b.at.localeCompare(a.at));
    if (flags.json) console.log(terminalJson(rows, 2));
    else if (rows.length === 0) console.log(`no near misses in the last ${flags.limit} rollouts and incidents`);
    else for (const r of rows) console.log(tty`${r.at}  ${r.kind.padEnd(21)} ${r.workflow}: ${r.detail}`);
    if (unread > 0) console.error(`${unread} of ${found.length} workflows could not be read: no worker answered for their task queue within ${QUERY_DEADLINE_MS / 1000} s`);
  });
}

export function registerNearMissCommands(program: Command): void {
  program
    .command('near-misses')
    .description('gates that passed within 20% of a limit, stops lifted, escalations that reached the last tier')
    .option('--limit <n>', 'how many recent rollouts and incidents to read', '200')
    .option('--json', 'print JSON')
    .action(listNearMisses);
}
