import type { Command } from 'commander';
import { z } from 'zod';
import { alertEventSchema } from '../../contract/alertEvent';
import { commandArgsSchema, resolveArgsSchema } from '../../contract/commandArgs';
import type { IncidentCommand } from '../../contract/incident';
import { escalationPoliciesSchema, severitySchema } from '../../domain/incident';
import type { IncidentStatus } from '../../domain/incidentStatus';
import { renderRca } from '../../domain/rcaReport';
import { renderTimelineEntry } from '../rolloutStatusView';
import { terminalJson, terminalText, tty } from '../../domain/escape/terminal';
import { UserError } from '../exitCodes';
import { NoPolicyError } from '../incidentClient';
import { loadDocument } from '../loadDocument';
import { reviewSchemaAsOf } from '../../domain/review';
import { warnAboutReview } from '../reviewWarning';
import { parseFlags } from '../parseFlags';
import { withIncidents } from '../temporalSession';
import { defaultUser } from '../defaultUser';
import { registerIncidentListCommand } from './incidentList';

export const DEFAULT_ESCALATION_FILE = 'playbooks/escalation/default.yaml';


const openFlags = z.strictObject({
  severity: severitySchema,
  summary: alertEventSchema.shape.summary,
  rollout: alertEventSchema.shape.rolloutId,
  dedupKey: alertEventSchema.shape.dedupKey.optional(),
  policy: z.string().min(1),
  by: commandArgsSchema.shape.by,
  json: z.boolean().optional(),
});

async function open(raw: unknown): Promise<void> {
  const flags = parseFlags(openFlags, raw);
  const policies = await loadDocument(flags.policy, escalationPoliciesSchema);
  await withIncidents(async (incidents) => {
    const result = await incidents.openOrJoin(policies, {
      source: 'manual',
      severity: flags.severity,
      summary: flags.summary,
      dedupKey: flags.dedupKey ?? `manual:${flags.summary}`,
      ...(flags.rollout ? { rolloutId: flags.rollout } : {}),
    }, flags.by).catch((err: unknown) => {
      throw err instanceof NoPolicyError ? new UserError(err.message) : err;
    });
    if (flags.json) console.log(JSON.stringify(result));
    else console.log(result.opened ? `opened incident ${result.incidentId}` : `joined open incident ${result.incidentId} (same dedup key)`);
  });
}

function renderIncident(s: IncidentStatus): string {
  return [
    tty`incident ${s.incidentId}  ${s.severity}  ${s.state}  ${s.summary}`,
    tty`source ${s.source}, opened by ${s.openedBy} at ${s.openedAt}${s.rolloutId ? tty`, rollout ${s.rolloutId}` : ''}`,
    tty`paged: ${s.tier ? tty`${s.tier.name} (${s.tier.roster.join(', ')}), walk ${s.cycle}` : 'nobody yet'}`,
    ...(s.acknowledged ? [tty`acknowledged by ${s.acknowledged.by} at ${s.acknowledged.at}`] : []),
    ...(s.resolved ? [tty`resolved by ${s.resolved.by} at ${s.resolved.at}`] : []),
    ...renderIncidentEnd(s),
    tty`duplicate alerts joined: ${s.duplicateAlerts}`,
    '',
    ...s.timeline.map(renderTimelineEntry),
  ].join('\n');
}

/** An incident ended outside Rampart: loud, first, with what to do, since its state line still says what it last was. */
function renderIncidentEnd(s: IncidentStatus): string[] {
  const ended = s.interrupted;
  if (!ended) return [];
  return [
    tty`${ended.how.toUpperCase()} outside Rampart at ${ended.at}${ended.by ? tty` by ${ended.by}` : ''}${ended.reason ? tty` (${ended.reason})` : ''}: nobody is paged any more`,
    ended.fromInputOnly
      ? '  no worker answered for this closed incident: the lines above are only what its input says'
      : tty`  last known state: ${s.state}; open a new incident ("rampart incident open") if the problem is still there`,
  ];
}

async function status(id: string, opts: { json?: boolean }): Promise<void> {
  await withIncidents(async (incidents) => {
    const s = await incidents.status(id);
    console.log(opts.json ? terminalJson(s, 2) : renderIncident(s));
  });
}

async function report(id: string): Promise<void> {
  // The report is Markdown with its untrusted parts escaped; printed to a terminal, it is made terminal-safe as a whole too.
  await withIncidents(async (incidents) => console.log(terminalText(renderRca(await incidents.status(id)))));
}

async function command(name: IncidentCommand, id: string, raw: Record<string, unknown>): Promise<void> {
  const schema = name === 'resolve' ? resolveArgsSchema : commandArgsSchema;
  const args = parseFlags(schema, { by: raw.by, reason: raw.reason, ...(name === 'resolve' && raw.rootCause ? { rootCause: raw.rootCause } : {}) });
  await withIncidents(async (incidents) => console.log(terminalText(await incidents.command(id, name, args))));
}

async function validatePolicies(file: string): Promise<void> {
  const now = new Date();
  const { value } = await loadDocument(file, reviewSchemaAsOf(escalationPoliciesSchema, now));
  warnAboutReview(file, value, now);
  for (const p of value.policies) {
    console.log(`${file}: policy "${p.name}" for ${p.severities.join(', ')}: ${p.tiers.map((t) => t.name).join(' -> ')} (walked ${p.repeat}x)`);
  }
}

export function registerIncidentCommands(program: Command): void {
  program
    .command('escalation')
    .description('escalation policies')
    .command('validate <file>')
    .description('check an escalation policy file; errors with line, path and rule (exit 2)')
    .action(validatePolicies);
  const incident = program.command('incident').description('open, steer and learn from incidents');
  incident
    .command('open')
    .description('open an incident (internal testing, a customer report, social media …); a repeat joins the open one')
    .requiredOption('--severity <sev>', 'sev1 | sev2 | sev3 | sev4')
    .requiredOption('--summary <text>', 'what is wrong')
    .option('--rollout <id>', 'the rollout it concerns: joins that rollout\'s incident if one is open')
    .option('--dedup-key <key>', 'same key, same incident (default: the summary)')
    .option('--policy <file>', 'escalation policy file', DEFAULT_ESCALATION_FILE)
    .option('--by <user>', 'who reports it', defaultUser())
    .option('--json', 'print JSON')
    .action(open);
  incident.command('status <id>').description('state, paged tier, timeline').option('--json', 'print JSON').action(status);
  registerIncidentListCommand(incident);
  incident.command('report <id>').description('the root cause analysis document (Markdown)').action(report);
  const commands: [IncidentCommand, string][] = [
    ['ack', 'acknowledge (you must be on the paged tier): stops the escalation'],
    ['escalate', 'page the next tier now'],
    ['resolve', 'close the incident and write its root cause analysis'],
  ];
  for (const [name, description] of commands) {
    const cmd = incident.command(`${name} <id>`).description(description)
      .option('--by <user>', 'who', defaultUser())
      .option('--reason <text>', 'why');
    if (name === 'resolve') cmd.option('--root-cause <text>', 'what caused it, for the report');
    cmd.action((id: string, opts: Record<string, unknown>) => command(name, id, opts));
  }
}

