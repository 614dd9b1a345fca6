import path from 'node:path';
import { incidentWorkflowId, rolloutDedupKey } from '../../../contract/ids';
import type { RolloutInput } from '../../../domain/rolloutInput';
import { buildArtifact } from '../../../local/fleet/artifactBuild';
import { fastPlaybook } from '../fastPlaybook';
import { NOTICE_SECRET_ENV, type CampaignStack } from './campaignStack';

/**
 * What one round of the campaign rolls out: a good release with customers on the good fleet, to
 * complete, and a bad one (30% of requests fail) with customers on the bad fleet, whose canary
 * trips the breaker, rolls back and opens an incident that escalates from on-call to senior.
 */

/** On-call has 3 s to acknowledge, so every round's incident escalates to the senior tier. */
export const ESCALATION = {
  policies: [{
    name: 'campaign',
    severities: ['sev1', 'sev2', 'sev3', 'sev4'],
    tiers: [
      { name: 'on-call', ackDeadline: '3s', people: [{ name: 'olga', email: 'olga@example.com', slack: 'U0OLGA' }], channels: [{ slack: '#incidents' }] },
      { name: 'senior', ackDeadline: '10m', people: [{ name: 'sam', email: 'sam@example.com', slack: 'U0SAM' }] },
    ],
  }],
};
export const SENIOR = 'sam';
export const BAD_ERROR_RATE = 0.3;

export interface PlannedRollout {
  input: RolloutInput;
  version: string;
  /** The fleet it runs on. */
  fleet: 'good' | 'bad';
}

export interface RoundPlan {
  round: number;
  good: PlannedRollout;
  bad: PlannedRollout & { incidentId: string };
}

/** Open around the clock, every day: customers are updated now, not at 02:00 on Tuesday. */
const ALWAYS_OPEN = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((day) => ({ day, start: '00:00', duration: '24h' }));

function customer(stack: CampaignStack, id: string, name: string, targets: string[], contacts: { emails: string[]; slack?: string; webhook?: boolean }, extra: Record<string, unknown> = {}) {
  return {
    id,
    name,
    targets,
    timeZone: 'Europe/Berlin',
    maintenanceWindows: ALWAYS_OPEN,
    // Rounds follow each other within minutes: the weekly cap on routine notices must not bite.
    routineNoticesPerWeek: 50,
    contacts: {
      emails: contacts.emails,
      ...(contacts.slack ? { slack: contacts.slack } : {}),
      ...(contacts.webhook ? { webhook: { url: stack.notices.urlFor(id), secretEnv: NOTICE_SECRET_ENV } } : {}),
    },
    ...extra,
  };
}

function playbook(name: string, withIncident: boolean): Record<string, unknown> {
  return fastPlaybook({
    name,
    phases: { canary: { size: 1, bakeTime: '2s' }, waves: [{ size: '50%', bakeTime: '2s', maxParallel: 2 }, { size: '100%', bakeTime: '2s', maxParallel: 2 }] },
    customers: { component: 'Campaign service', noticeBefore: '0s', expectedDowntime: 'a few seconds per system' },
    ...(withIncident ? { incidents: { severity: 'sev2', policyFile: 'escalation.yaml' } } : {}),
  });
}

/**
 * Round `round`'s two rollouts, on fleets of their own names: both local fleets call themselves
 * "local" and number their targets t-01…, and the two rollouts run at once, so they must not look
 * like one fleet to anything that keys on the fleet (the fleet lease). Customer ids carry the
 * round, so each round's customers are new to the notice cap and every key names its round. The
 * good fleet climbs one release per round.
 */
export async function planRound(stack: CampaignStack, round: number, runTag: string): Promise<RoundPlan> {
  const artifacts = path.join(stack.options.dir, 'artifacts');
  const goodVersion = `1.${round}.0`;
  const badVersion = `9.${round}.0`;
  const [goodArtifact, badArtifact] = await Promise.all([
    buildArtifact({ version: goodVersion, outDir: artifacts, notes: `good release of round ${round}` }),
    buildArtifact({ version: badVersion, outDir: artifacts, notes: `bad release of round ${round}`, fault: { errorRate: BAD_ERROR_RATE } }),
  ]);
  const g = stack.goodFleet.fleet.targets.map((t) => t.id);
  const b = stack.badFleet.fleet.targets.map((t) => t.id);
  const goodCustomers = {
    customers: [
      customer(stack, `acme-r${round}`, 'ACME Corp', [g[0]!], { emails: ['ops@acme.example'], slack: '#acme-updates', webhook: true }, { channel: 'early-access' }),
      customer(stack, `globex-r${round}`, 'Globex', [g[1]!, g[2]!], { emails: ['it@globex.example'], webhook: true }),
      customer(stack, `umbrella-r${round}`, 'Umbrella', [g[3]!], { emails: ['noc@umbrella.example'], slack: '#umbrella-updates' }),
    ],
  };
  const badCustomers = {
    customers: [
      customer(stack, `initech-r${round}`, 'Initech', [b[0]!], { emails: ['admin@initech.example'], slack: '#initech-updates', webhook: true }, { channel: 'early-access' }),
      customer(stack, `hooli-r${round}`, 'Hooli', [b[1]!, b[2]!], { emails: ['it@hooli.example'], webhook: true }),
    ],
  };
  const goodId = `good-${runTag}-r${round}`;
  const badId = `bad-${runTag}-r${round}`;
  const release = (version: string, artifact: { path: string; sha256: string }, notes: string) => ({ version, artifactPath: artifact.path, sha256: artifact.sha256, notes });
  return {
    round,
    good: {
      fleet: 'good',
      version: goodVersion,
      input: {
        rolloutId: goodId,
        playbook: playbook('campaign-good', false),
        fleet: { ...stack.goodFleet.fleet, name: 'campaign-good' },
        release: release(goodVersion, goodArtifact, `Good release of round ${round}`),
        startedBy: 'alice',
        customers: goodCustomers,
      },
    },
    bad: {
      fleet: 'bad',
      version: badVersion,
      incidentId: incidentWorkflowId(rolloutDedupKey(badId)),
      input: {
        rolloutId: badId,
        playbook: playbook('campaign-bad', true),
        fleet: { ...stack.badFleet.fleet, name: 'campaign-bad' },
        release: release(badVersion, badArtifact, `Bad release of round ${round}`),
        startedBy: 'alice',
        escalation: ESCALATION,
        customers: badCustomers,
      },
    },
  };
}
