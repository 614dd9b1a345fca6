import type { Command } from 'commander';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { drillScenarioSchema, type DrillScenario } from '../../domain/drill';
import { drillReportLines, type DrillReport } from '../../domain/drillReport';
import { SECOND, HOUR, durationBetween, formatDuration } from '../../domain/duration';
import { terminalJson, terminalText } from '../../domain/escape/terminal';
import { escalationPoliciesSchema, policyFor, type EscalationPolicies } from '../../domain/incident';
import { playbookSchema } from '../../domain/playbook';
import { planSteps } from '../../domain/planSteps';
import { reviewSchemaAsOf } from '../../domain/review';
import { DEFAULT_DRILL_ACK_DEADLINE, DRILL_FLEET_INTERNAL, DRILL_FLEET_SIZE } from '../../local/drill/drillSettings';
import { runDrill, type DrillPlan } from '../../local/drill/drillRun';
import { EXIT, UserError } from '../exitCodes';
import { loadDocument } from '../loadDocument';
import { prepareOutputFolder } from '../outputFolder';
import { parseFlags } from '../parseFlags';

const drillFlags = z.strictObject({
  playbook: z.string().min(1),
  scenario: drillScenarioSchema,
  escalation: z.string().min(1).optional(),
  ackDeadline: durationBetween(SECOND, HOUR).default(5 * SECOND),
  timeout: durationBetween(10 * SECOND, 6 * HOUR).default(10 * 60 * SECOND),
  dir: z.string().min(1).optional(),
  json: z.boolean().optional(),
});

/** The drill fleet as planning sees it (local/fleet/localFleet.ts names and labels its targets so). */
const drillFleetShape = Array.from({ length: DRILL_FLEET_SIZE }, (_, i) => ({
  id: `t-${String(i + 1).padStart(2, '0')}`,
  labels: { ring: i < DRILL_FLEET_INTERNAL ? 'internal' : 'external' },
}));

/**
 * The escalation policies as the drill runs them: every tier and person as written, each tier's
 * acknowledgement deadline at most `capMs`, so nobody-acks walks the chain in seconds, not hours.
 */
function cappedPolicies(raw: unknown, value: EscalationPolicies, capMs: number): unknown {
  const copy = structuredClone(raw) as { policies: { tiers: { ackDeadline: unknown }[] }[] };
  value.policies.forEach((policy, p) => policy.tiers.forEach((tier, t) => {
    copy.policies[p]!.tiers[t]!.ackDeadline = formatDuration(Math.min(tier.ackDeadline, capMs));
  }));
  return copy;
}

/** Everything checked before anything starts: a bad flag or file is exit 2 naming the field. */
async function planDrill(flags: z.output<typeof drillFlags>): Promise<DrillPlan> {
  const now = new Date();
  const playbook = await loadDocument(flags.playbook, reviewSchemaAsOf(playbookSchema, now));
  const plan = planSteps(playbook.value, drillFleetShape);
  if (!plan.ok) throw new UserError(plan.errors.map((e) => `${flags.playbook}: ${e} (on the drill fleet of ${DRILL_FLEET_SIZE} targets, ${DRILL_FLEET_INTERNAL} labelled ring=internal)`).join('\n'));
  const incidents = playbook.value.incidents;
  if (!incidents && !flags.escalation) {
    throw new UserError(`${flags.playbook}: incidents: the playbook opens no incident on a breaker trip, so there is no escalation to rehearse; add incidents.policyFile or give --escalation`);
  }
  const policyFile = flags.escalation ?? resolve(dirname(resolve(flags.playbook)), incidents!.policyFile);
  const policies = await loadDocument(policyFile, reviewSchemaAsOf(escalationPoliciesSchema, now));
  const severity = incidents?.severity ?? 'sev2';
  const policy = policyFor(policies.value, severity);
  if (!policy) throw new UserError(`${policyFile}: policies: no policy handles ${severity}, the severity the playbook's breaker opens`);
  const capped = cappedPolicies(policies.raw, policies.value, flags.ackDeadline);
  const cappedPolicy = policyFor(escalationPoliciesSchema.parse(capped), severity)!;
  const notes = [
    `escalation policy ${policy.name} from ${policyFile}, each tier's acknowledgement deadline capped at ${formatDuration(flags.ackDeadline)}`,
    flags.scenario === 'nobody-acks' ? 'nobody acknowledges: the escalation is left to walk its tiers' : 'a drill responder (the first person of the paged tier) acknowledges once the page is in the drill Slack',
    'customers are never told: a drill rollout carries no customers, and every page goes only to the drill\'s own Slack and SMTP stand-ins',
  ];
  if (!incidents) notes.push(`the playbook names no incidents section: the drill's rollout pages with --escalation ${policyFile} at sev2`);
  // A playbook without incidents pages nobody: the drill gives it the policy it was told to rehearse.
  const drilledPlaybook = incidents ? playbook.raw : { ...(playbook.raw as object), incidents: { severity, policyFile } };
  return {
    scenario: flags.scenario as DrillScenario,
    playbook: { raw: drilledPlaybook, value: playbook.value },
    escalation: { raw: capped, policy: cappedPolicy },
    steps: plan.steps,
    dir: resolve(flags.dir ?? join('.rampart', 'drills', `${flags.scenario}-${new Date().toISOString().replace(/[:.]/g, '-')}-${randomBytes(2).toString('hex')}`)),
    timeoutMs: flags.timeout,
    notes,
  };
}

async function drill(raw: unknown): Promise<void> {
  const flags = parseFlags(drillFlags, raw);
  const plan = await planDrill(flags);
  const folderProblem = await prepareOutputFolder(plan.dir);
  if (folderProblem) throw new UserError(`--dir: ${folderProblem}`);
  const log = (line: string) => (flags.json ? process.stderr : process.stdout).write(`drill: ${terminalText(line)}\n`);
  log(`game day: scenario ${plan.scenario} of playbook ${plan.playbook.value.name}; state and evidence in ${plan.dir}`);
  let report: DrillReport;
  try {
    report = await runDrill(plan, log);
  } catch (err) {
    // The drill's own stack failed (a port, a process): no verdict on the playbook, exit 1.
    throw new UserError(`the drill could not run: ${(err as Error).message}; its logs are in ${plan.dir}`, EXIT.failure);
  }
  const lines = drillReportLines(report);
  const jsonFile = join(plan.dir, 'drill-report.json');
  await writeFile(jsonFile, `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(join(plan.dir, 'drill-report.md'), `# Drill report\n\n\`\`\`\n${lines.join('\n')}\n\`\`\`\n`);
  if (flags.json) console.log(terminalJson(report, 2));
  else {
    for (const line of lines) console.log(terminalText(line));
    console.log(`report written to ${jsonFile}`);
  }
  process.exitCode = report.passed ? EXIT.ok : EXIT.failure;
}

export function registerDrillCommands(program: Command): void {
  program
    .command('drill')
    .description('game day: rehearse a playbook on a local fleet of its own (real rollout, breaker and escalation; every page marked [DRILL], no customer told); exit 0 when it went as the playbook says, 1 when not')
    .requiredOption('--playbook <file>', 'the playbook to rehearse')
    .requiredOption('--scenario <scenario>', 'error-rate, latency, crash or nobody-acks')
    .option('--escalation <file>', "a drill escalation policy instead of the playbook's incidents.policyFile")
    .option('--ack-deadline <duration>', "each tier's acknowledgement deadline in the drill, at most", DEFAULT_DRILL_ACK_DEADLINE)
    .option('--timeout <duration>', 'give up (exit 1) after this long', '10m')
    .option('--dir <dir>', 'where the drill keeps its stack, logs and report (default .rampart/drills/<scenario>-<time>)')
    .option('--json', 'print the report as JSON (progress goes to stderr)')
    .action(drill);
}
