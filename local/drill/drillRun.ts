import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { IncidentClient } from '../../client/incidentClient';
import { RolloutClient } from '../../client/rolloutClient';
import type { DrillScenario } from '../../domain/drill';
import { drillReport, type DrillReport } from '../../domain/drillReport';
import type { EscalationPolicy } from '../../domain/incident';
import type { IncidentStatus } from '../../domain/incidentStatus';
import type { Playbook } from '../../domain/playbook';
import type { PlannedStep } from '../../domain/planSteps';
import type { RolloutInput } from '../../domain/rolloutInput';
import { FINAL_STATES, type RolloutStatus } from '../../domain/rolloutStatus';
import { fleetStatus, readInstallJournals } from '../fleet/localFleet';
import { startDrillStack, type DrillStack } from './drillStack';
import { DRILL_BASE_VERSION, DRILL_TASK_QUEUE, DRILL_VERSION, drillFault } from './drillSettings';

/** A drill checked and ready to run (client/commands/drill.ts builds it; nothing has started yet). */
export interface DrillPlan {
  scenario: DrillScenario;
  playbook: { raw: unknown; value: Playbook };
  /** The escalation policies as the drill runs them (deadlines capped), and the one the playbook's severity picks. */
  escalation: { raw: unknown; policy: EscalationPolicy } | null;
  /** The playbook's steps on the drill fleet. */
  steps: PlannedStep[];
  dir: string;
  timeoutMs: number;
  notes: string[];
}

const POLL_MS = 250;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs the drill end to end: its own stack, the real rollout of the faulty build marked as a
 * drill, the breaker, the incident and its escalation; a drill responder acknowledges the page once
 * it has arrived in the drill's Slack (except for nobody-acks, where the chain is left to reach its
 * last tier). Ends the incident, reads what every target and stand-in saw, and judges it.
 */
export async function runDrill(plan: DrillPlan, log: (line: string) => void): Promise<DrillReport> {
  const startedAt = new Date().toISOString();
  const fault = drillFault(plan.scenario, plan.playbook.value);
  const slackChannels = plan.escalation?.policy.tiers.flatMap((t) => t.channels.flatMap((c) => ('slack' in c ? [c.slack] : []))) ?? [];
  const drill = await startDrillStack({ dir: plan.dir, slackChannels, fault, log });
  try {
    return await rehearse(plan, drill, fault, startedAt, log);
  } finally {
    await drill.close();
  }
}

async function rehearse(plan: DrillPlan, drill: DrillStack, fault: Record<string, unknown>, startedAt: string, log: (line: string) => void): Promise<DrillReport> {
  const rollouts = new RolloutClient(drill.stack.client, DRILL_TASK_QUEUE);
  const incidents = new IncidentClient(drill.stack.client, DRILL_TASK_QUEUE);
  const rolloutId = `drill-${plan.scenario}-${randomBytes(3).toString('hex')}`;
  const input: RolloutInput = {
    rolloutId,
    playbook: plan.playbook.raw,
    fleet: JSON.parse(await readFile(drill.fleet.fleetFile, 'utf8')) as unknown,
    release: { version: DRILL_VERSION, artifactPath: drill.artifact.path, sha256: drill.artifact.sha256, notes: `Drill build (${plan.scenario})` },
    startedBy: 'drill',
    reason: `game day: scenario ${plan.scenario}`,
    ...(plan.escalation ? { escalation: plan.escalation.raw } : {}),
    drill: { scenario: plan.scenario },
  };
  await rollouts.start(input);
  log(`drill rollout ${rolloutId} started: ${DRILL_BASE_VERSION} -> ${DRILL_VERSION} with the fault ${JSON.stringify(fault)}`);

  const notes = [...plan.notes];
  const tiers = plan.escalation?.policy.tiers ?? [];
  const deadline = Date.now() + plan.timeoutMs;
  let rollout: RolloutStatus | null = null;
  let incident: IncidentStatus | null = null;
  let acked = false;
  let endedAt: number | null = null;
  for (;;) {
    drill.stack.assertWorkersRunning();
    rollout = await rollouts.status(rolloutId);
    const incidentId = rollout.timeline.find((e) => e.event === 'incident opened' || e.event === 'incident joined')?.detail;
    if (incidentId) incident = await incidents.status(incidentId).catch(() => incident);
    // A playbook's approvals are part of the rehearsal: drill approvers give them, each a person of its own.
    const waiting = rollout.awaitingApproval;
    if (rollout.state === 'awaiting_approval' && waiting) {
      const given = new Set(rollout.approvals.filter((a) => a.step === waiting.step).map((a) => a.by));
      const by = (waiting.approvers ?? Array.from({ length: waiting.needed + given.size }, (_, n) => `drill-approver-${n + 1}`)).find((name) => !given.has(name) && name !== 'drill');
      if (by) {
        const answer = await rollouts.approve(rolloutId, { by, reason: 'game day: drill approval' }).catch((err: Error) => `not approved: ${err.message}`);
        log(`${by} on ${waiting.step}: ${answer}`);
        if (!notes.some((n) => n.startsWith('approvals'))) notes.push('approvals were given by drill approvers, as the playbook asks for them');
        continue;
      }
    }
    const ended = FINAL_STATES.includes(rollout.state) || rollout.state === 'held';
    if (ended && endedAt === null) endedAt = Date.now();
    // The responder answers once the page is in the drill's Slack: it proves the page was delivered.
    if (incident?.state === 'open' && plan.scenario !== 'nobody-acks' && !acked && pageDelivered(drill, incident)) {
      const by = incident.tier?.roster[0];
      if (by) {
        await incidents.command(incident.incidentId, 'ack', { by, reason: 'drill responder' });
        acked = true;
        log(`drill responder ${by} acknowledged ${incident.incidentId}`);
        continue;
      }
    }
    const escalationDone = !plan.escalation
      || (incident !== null && (plan.scenario === 'nobody-acks' ? incident.tier?.index === tiers.length - 1 : incident.state !== 'open'));
    // Without a trip there is no incident to wait for: a few seconds after the end, the drill is over.
    if (ended && (escalationDone || (!incident && Date.now() - (endedAt ?? 0) > 5_000))) break;
    if (Date.now() > deadline) {
      notes.push(`the drill timed out after ${plan.timeoutMs / 1000} s (rollout ${rollout.state}${incident ? `, incident ${incident.state}` : ''})`);
      break;
    }
    await sleep(POLL_MS);
  }
  if (incident) incident = await endIncident(incidents, incident, plan.scenario, log);

  const [health, journals] = await Promise.all([fleetStatus({ stateDir: drill.fleet.stateDir }), readInstallJournals({ stateDir: drill.fleet.stateDir })]);
  const drillInstalls = journals.flatMap((j) => j.records.filter((r) => r.action === 'install' && r.to === DRILL_VERSION && r.phase === 'done').map((r) => ({ id: j.targetId, at: r.at })));
  // Evidence beside the report: every Slack message as the drill's workspace kept it (mails are in mails.jsonl).
  await writeFile(join(plan.dir, 'slack-messages.json'), `${JSON.stringify(drill.slack.messages(), null, 2)}\n`);
  const first = plan.steps[0];
  return drillReport({
    scenario: plan.scenario,
    playbook: {
      name: plan.playbook.value.name,
      onBreach: plan.playbook.value.onBreach,
      automatedRollback: plan.playbook.value.incidents?.automatedRollback !== false,
      firstStep: first?.name ?? '',
      firstStepTargets: first?.targets ?? [],
    },
    policy: plan.escalation ? { name: plan.escalation.policy.name, tiers: tiers.map((t) => t.name) } : null,
    rolloutId,
    version: DRILL_VERSION,
    baseVersion: DRILL_BASE_VERSION,
    fault,
    startedAt,
    endedAt: new Date().toISOString(),
    rollout,
    incident,
    fleet: health.targets.map((t) => ({ id: t.id, version: t.version, up: t.up })),
    installedDrillVersion: {
      targets: [...new Set(drillInstalls.map((i) => i.id))].sort(),
      firstAt: drillInstalls.map((i) => i.at).sort()[0] ?? null,
    },
    slackTexts: drill.slack.messages().map((m) => m.text),
    mails: drill.smtp.messages().map((m) => ({ to: m.envelope.to, subject: m.headers.subject ?? '' })),
    pagedAddresses: tiers.flatMap((t) => [...t.people.flatMap((p) => (p.email ? [p.email] : [])), ...t.channels.flatMap((c) => ('email' in c ? [c.email] : []))]),
    notes,
  });
}

/** A reply in the incident's Slack thread that pages the tier it is on. */
function pageDelivered(drill: DrillStack, incident: IncidentStatus): boolean {
  const thread = incident.slackThread;
  if (!thread) return false;
  return drill.slack.messages().some((m) => m.thread_ts === thread.ts && m.text.includes(`Paging ${incident.tier?.name ?? ''}`));
}

/** The game day is over: resolved (by whoever holds it), and its last messages given time to go out. */
async function endIncident(incidents: IncidentClient, incident: IncidentStatus, scenario: DrillScenario, log: (line: string) => void): Promise<IncidentStatus> {
  if (incident.state !== 'resolved') {
    const by = incident.acknowledged?.by ?? 'drill';
    await incidents.command(incident.incidentId, 'resolve', { by, reason: 'drill over', rootCause: `game day: the drill build carried the ${scenario} fault on purpose` }).catch((err: Error) => log(`could not resolve ${incident.incidentId}: ${err.message}`));
  }
  // The incident writes its report once its last messages are sent: then every page is in the stand-ins.
  const until = Date.now() + 15_000;
  for (;;) {
    const status = await incidents.status(incident.incidentId).catch(() => incident);
    if (status.timeline.some((e) => e.event === 'root cause analysis written') || Date.now() > until) return status;
    await sleep(POLL_MS);
  }
}
