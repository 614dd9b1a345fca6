import type { Command } from 'commander';
import { z } from 'zod';
import type { IncidentStatus, NearMiss } from '../../domain/incidentStatus';
import type { RolloutStatus } from '../../domain/rolloutStatus';
import { parseFlags } from '../parseFlags';
import { withTemporal } from '../temporalSession';

interface NearMissRow extends NearMiss {
  workflow: string;
}

const flagsSchema = z.strictObject({
  limit: z.coerce.number({ error: 'expected a whole number' }).int().min(1).max(1000),
  json: z.boolean().optional(),
});

/** Near misses across recent rollouts and incidents, newest first: the input for the next plan. */
async function listNearMisses(raw: unknown): Promise<void> {
  const flags = parseFlags(flagsSchema, raw);
  await withTemporal(async (client) => {
    const rows: NearMissRow[] = [];
    let seen = 0;
    for await (const wf of client.workflow.list({ query: `WorkflowType = 'rolloutWorkflow' OR WorkflowType = 'incidentWorkflow'` })) {
      if (++seen > flags.limit) break;
      const handle = client.workflow.getHandle(wf.workflowId, wf.runId);
      const status = wf.type === 'rolloutWorkflow'
        ? await handle.query<RolloutStatus>('status').catch(() => null)
        : await handle.query<IncidentStatus>('incidentStatus').catch(() => null);
      for (const miss of status?.nearMisses ?? []) rows.push({ ...miss, workflow: wf.workflowId });
    }
    rows.sort((a, b) => b.at.localeCompare(a.at));
    if (flags.json) console.log(JSON.stringify(rows, null, 2));
    else if (rows.length === 0) console.log(`no near misses in the last ${flags.limit} rollouts and incidents`);
    else for (const r of rows) console.log(`${r.at}  ${r.kind.padEnd(21)} ${r.workflow}: ${r.detail}`);
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
