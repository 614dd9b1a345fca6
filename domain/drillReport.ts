import { DRILL_TAG, type DrillScenario } from './drill';
import type { IncidentStatus } from './incidentStatus';
import type { RolloutStatus } from './rolloutStatus';

/**
 * A game day's verdict, from what the drill saw: the rollout's and the incident's final status,
 * the drill fleet's own answers, the install journals and every message the drill's Slack and
 * SMTP stand-ins received. Each line is an expectation the playbook sets, with pass or fail.
 */

export interface DrillExpectation {
  expectation: string;
  pass: boolean;
  /** What was seen, when it differs from the expectation or adds a number. */
  detail: string;
}

export interface DrillTimes {
  /** The first drill target serving the faulty build (its install journal). */
  faultInjectedAt: string | null;
  /** The breaker tripped (a gate breached). */
  detectedAt: string | null;
  /** The first tier was paged. */
  pagedAt: string | null;
  acknowledgedAt: string | null;
  /** The rollback finished, every changed target back on the old version. */
  mitigatedAt: string | null;
  timeToDetectMs: number | null;
  /** Page to acknowledgement; null with `acknowledge: "never"`. */
  timeToAcknowledgeMs: number | null;
  acknowledge: 'acknowledged' | 'never';
  /** Fault injected to mitigated. */
  timeToMitigateMs: number | null;
}

export interface DrillReport {
  drill: {
    scenario: DrillScenario;
    playbook: string;
    rolloutId: string;
    incidentId: string | null;
    version: string;
    baseVersion: string;
    fault: Record<string, unknown>;
    startedAt: string;
    endedAt: string;
  };
  times: DrillTimes;
  escalation: { policy: string | null; tiers: string[]; reached: string[]; reachedLastTier: boolean; acknowledgedBy: string | null };
  notifications: { slack: number; mail: number; unmarked: string[]; customerNotices: number };
  expectations: DrillExpectation[];
  /** Every expectation passed: the drill went as the playbook says. */
  passed: boolean;
  /** Decisions a reader should know (deadlines capped, who acknowledged). */
  notes: string[];
}

export interface DrillObservations {
  scenario: DrillScenario;
  playbook: { name: string; onBreach: 'rollback' | 'pause'; automatedRollback: boolean; firstStep: string; firstStepTargets: string[] };
  policy: { name: string; tiers: string[] } | null;
  rolloutId: string;
  version: string;
  baseVersion: string;
  fault: Record<string, unknown>;
  startedAt: string;
  endedAt: string;
  rollout: RolloutStatus | null;
  incident: IncidentStatus | null;
  /** Every drill target's own /health answer at the end. */
  fleet: { id: string; version: string | null; up: boolean }[];
  /** Targets whose journal shows an install of the drill version, with the first time one finished. */
  installedDrillVersion: { targets: string[]; firstAt: string | null };
  slackTexts: string[];
  mails: { to: string[]; subject: string }[];
  /** Addresses the escalation policy pages: any other recipient is a customer (or a leak). */
  pagedAddresses: string[];
  notes: string[];
}

/** What the breaker should have seen for each scenario's fault: its reasons are matched against this. */
const SCENARIO_SIGNS: Record<DrillScenario, { what: string; pattern: RegExp }> = {
  'error-rate': { what: 'the error rate', pattern: /error rate/i },
  'nobody-acks': { what: 'the error rate', pattern: /error rate/i },
  latency: { what: 'latency', pattern: /latency|p99/i },
  crash: { what: 'targets down', pattern: /not serving|down|install|health/i },
};

const msBetween = (from: string | null, to: string | null): number | null => (from && to ? Math.max(0, Date.parse(to) - Date.parse(from)) : null);

function firstAt(entries: { at: string; event: string }[] | undefined, event: string): string | null {
  return entries?.find((e) => e.event === event)?.at ?? null;
}

/** Tier names the incident paged, in order, from its timeline ("tier on-call (olga), ack within 5s"). */
export function tiersReached(incident: IncidentStatus | null): string[] {
  const names: string[] = [];
  for (const e of incident?.timeline ?? []) {
    if (e.event !== 'paged' && e.event !== 'escalated') continue;
    const name = /^tier (.+?) \(/.exec(e.detail ?? '')?.[1];
    if (name && !names.includes(name)) names.push(name);
  }
  return names;
}

export function drillReport(o: DrillObservations): DrillReport {
  const r = o.rollout;
  const i = o.incident;
  const detectedAt = firstAt(r?.timeline, 'breaker tripped');
  const pagedAt = firstAt(i?.timeline, 'paged');
  const mitigatedAt = firstAt(r?.timeline, 'rollback finished');
  const times: DrillTimes = {
    faultInjectedAt: o.installedDrillVersion.firstAt,
    detectedAt,
    pagedAt,
    acknowledgedAt: i?.acknowledged?.at ?? null,
    mitigatedAt,
    timeToDetectMs: msBetween(o.installedDrillVersion.firstAt, detectedAt),
    timeToAcknowledgeMs: msBetween(pagedAt, i?.acknowledged?.at ?? null),
    acknowledge: i?.acknowledged ? 'acknowledged' : 'never',
    timeToMitigateMs: msBetween(o.installedDrillVersion.firstAt, mitigatedAt),
  };
  const reached = tiersReached(i);
  const tiers = o.policy?.tiers ?? [];
  const lastTier = tiers.at(-1);
  const unmarked = [...o.slackTexts.filter((t) => !t.startsWith(DRILL_TAG)), ...o.mails.map((m) => m.subject).filter((s) => !s.startsWith(DRILL_TAG))];
  const paged = new Set(o.pagedAddresses.map((a) => a.toLowerCase()));
  const customerNotices = o.mails.filter((m) => m.to.some((a) => !paged.has(a.toLowerCase()))).length + (r?.customers?.length ?? 0);

  const expectations: DrillExpectation[] = [];
  const expect = (expectation: string, pass: boolean, detail: string) => expectations.push({ expectation, pass, detail });
  const first = o.playbook.firstStep;
  expect(`breaker tripped on step ${first} as expected`, r?.breaker?.step === first,
    r?.breaker ? `tripped on ${r.breaker.step}: ${r.breaker.reasons.join('; ')}` : `the breaker did not trip (rollout ${r?.state ?? 'not started'})`);
  const sign = SCENARIO_SIGNS[o.scenario];
  const reasons = r?.breaker?.reasons ?? [];
  expect(`breaker tripped on ${sign.what}, the scenario's fault`, reasons.some((reason) => sign.pattern.test(reason)),
    reasons.length > 0 ? `its reasons: ${reasons.join('; ')}` : 'no trip');
  const beyond = o.installedDrillVersion.targets.filter((t) => !o.playbook.firstStepTargets.includes(t));
  expect(`the faulty ${o.version} reached no target beyond step ${first}`, o.installedDrillVersion.targets.length > 0 && beyond.length === 0,
    beyond.length > 0 ? `also installed on ${beyond.join(', ')}` : `installed on ${o.installedDrillVersion.targets.join(', ') || 'no target'}`);
  if (o.playbook.onBreach === 'rollback' && o.playbook.automatedRollback) {
    const off = o.fleet.filter((t) => !t.up || t.version !== o.baseVersion);
    expect(`rollback restored all ${o.fleet.length} targets to ${o.baseVersion}`, r?.state === 'rolled_back' && o.fleet.length > 0 && off.length === 0,
      off.length > 0 ? `rollout ${r?.state ?? 'not started'}; ${off.map((t) => `${t.id} ${t.up ? `on ${t.version}` : 'down'}`).join(', ')}` : `rollout ${r?.state ?? 'not started'}`);
  } else {
    expect('the rollout held for a human, as the playbook says', r?.state === 'held', `rollout ${r?.state ?? 'not started'}`);
  }
  if (o.policy) {
    expect(`incident opened and tier ${tiers[0]} paged`, pagedAt !== null, i ? `${i.incidentId} (${i.severity}), ${pagedAt ? 'paged' : 'nobody paged'}` : 'no incident opened');
    if (o.scenario === 'nobody-acks') {
      expect(`escalation reached tier ${tiers.length} (${lastTier}), the last`, lastTier !== undefined && reached.includes(lastTier), `reached ${reached.join(' -> ') || 'no tier'}`);
      expect('nobody acknowledged', !i?.acknowledged, i?.acknowledged ? `acknowledged by ${i.acknowledged.by}` : 'acknowledge: never');
    } else {
      expect(`acknowledged on tier ${tiers[0]}`, Boolean(i?.acknowledged) && reached.length === 1,
        i?.acknowledged ? `by ${i.acknowledged.by}; tiers paged: ${reached.join(' -> ')}` : 'never acknowledged');
    }
  }
  expect(`every page marked ${DRILL_TAG}`, o.slackTexts.length + o.mails.length > 0 && unmarked.length === 0,
    unmarked.length > 0 ? `unmarked: ${unmarked.slice(0, 3).join(' | ')}` : `${o.slackTexts.length} Slack message(s), ${o.mails.length} mail(s)`);
  expect('no customer was notified', customerNotices === 0, `${customerNotices} customer notice(s)`);
  return {
    drill: { scenario: o.scenario, playbook: o.playbook.name, rolloutId: o.rolloutId, incidentId: i?.incidentId ?? null, version: o.version, baseVersion: o.baseVersion, fault: o.fault, startedAt: o.startedAt, endedAt: o.endedAt },
    times,
    escalation: { policy: o.policy?.name ?? null, tiers, reached, reachedLastTier: lastTier !== undefined && reached.includes(lastTier), acknowledgedBy: i?.acknowledged?.by ?? null },
    notifications: { slack: o.slackTexts.length, mail: o.mails.length, unmarked, customerNotices },
    expectations,
    passed: expectations.every((e) => e.pass),
    notes: o.notes,
  };
}

const seconds = (ms: number | null): string => (ms === null ? '-' : `${(ms / 1000).toFixed(1)} s`);

/** The report as the terminal (and the Markdown evidence file) shows it. */
export function drillReportLines(report: DrillReport): string[] {
  const t = report.times;
  return [
    `Drill ${report.drill.scenario} of playbook ${report.drill.playbook}: ${report.passed ? 'went as the playbook says' : 'did NOT go as the playbook says'}`,
    `  rollout ${report.drill.rolloutId} (${report.drill.baseVersion} -> ${report.drill.version}, fault ${JSON.stringify(report.drill.fault)})${report.drill.incidentId ? `, incident ${report.drill.incidentId}` : ''}`,
    `  time to detect:      ${seconds(t.timeToDetectMs)}   (fault injected -> breaker tripped)`,
    `  time to acknowledge: ${t.acknowledge === 'never' ? 'never' : seconds(t.timeToAcknowledgeMs)}   (page -> acknowledgement)`,
    `  time to mitigate:    ${seconds(t.timeToMitigateMs)}   (fault injected -> rolled back)`,
    `  escalation: ${report.escalation.reached.join(' -> ') || 'nobody paged'}${report.escalation.acknowledgedBy ? `, acknowledged by ${report.escalation.acknowledgedBy}` : ''}`,
    ...report.expectations.map((e) => `  ${e.pass ? 'PASS' : 'FAIL'}  ${e.expectation}: ${e.detail}`),
    ...report.notes.map((n) => `  note: ${n}`),
  ];
}
