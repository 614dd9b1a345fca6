import type { Command } from 'commander';
import { z } from 'zod';
import { severitySchema } from '../../domain/incident';
import { terminalJson, terminalLine } from '../../domain/escape/terminal';
import { parseFlags } from '../parseFlags';
import { withTemporal } from '../temporalSession';
import { LISTED_INCIDENT_STATES, listIncidents, type IncidentRow } from '../incidentList';
import { limitSchema, renderTable, shortTime, stateListSchema } from '../visibilityList';

const listFlags = z.strictObject({
  state: stateListSchema(LISTED_INCIDENT_STATES).optional(),
  severity: severitySchema.optional(),
  limit: limitSchema,
  json: z.boolean().optional(),
});

const cell = (text: string | null) => (text === null || text === '' ? '-' : terminalLine(text));

function renderRows(rows: IncidentRow[]): string {
  return renderTable(
    ['INCIDENT', 'STATE', 'SEVERITY', 'PAGED', 'OPENED', 'SUMMARY'],
    rows.map((r) => [cell(r.incidentId), r.state.toUpperCase(), cell(r.severity), cell(r.paged), shortTime(new Date(r.startedAt)), cell(r.summary)]),
  );
}

/** `rampart incident list`: open, acknowledged and resolved incidents, from Temporal visibility. */
async function list(raw: unknown): Promise<void> {
  const flags = parseFlags(listFlags, raw);
  const filter = { ...(flags.state ? { states: flags.state } : {}), ...(flags.severity ? { severity: flags.severity } : {}) };
  await withTemporal(async (client, config) => {
    const { incidents, more } = await listIncidents(client, config.taskQueue, filter, flags.limit);
    if (flags.json) {
      console.log(terminalJson({ incidents, more }, 2));
      return;
    }
    if (incidents.length === 0) {
      console.log(`no incidents on task queue ${terminalLine(config.taskQueue)} match`);
      return;
    }
    console.log(renderRows(incidents));
    if (more) console.log(`(more match: showing the first ${flags.limit}; narrow with --state or --severity, or raise --limit)`);
  });
}

export function registerIncidentListCommand(incident: Command): void {
  incident
    .command('list')
    .description('incidents on the task queue, open first: state, severity, paged tier, summary')
    .option('--state <states>', `only these states, separated by "," (${LISTED_INCIDENT_STATES.join(', ')})`)
    .option('--severity <sev>', 'only this severity (sev1 | sev2 | sev3 | sev4)')
    .option('--limit <n>', 'at most this many rows', '50')
    .option('--json', 'print JSON: { incidents: [...], more }')
    .action(list);
}
