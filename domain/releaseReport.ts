import type { CorrectiveAction } from './correctiveActions';
import type { GateResult } from './evaluateGate';
import type { NoticeTotals } from './customerRolloutStatus';
import type { Playbook } from './playbook';
import type { Lessons } from './lessons';
import type { Pace } from './velocity';
import type { NearMiss, RolloutStatus } from './rolloutStatus';
import { judgeCriterion, parseCriterion, type JudgedCriterion } from './successCriteria';

/** An incident of the rollout as the report saw it: its state now, its RCA and what it left to do. */
export interface ReportIncident {
  incidentId: string;
  severity: string | null;
  state: string;
  summary: string | null;
  rootCause: string | null;
  /** The RCA document's path on the worker, once the incident was resolved. */
  rca: string | null;
  correctiveActions: CorrectiveAction[];
}

/** One threshold of a health gate, against the step's last window: margin > 0 is headroom. */
export interface GateMeasurement {
  metric: 'errorRate' | 'errorRateIncrease' | 'p99LatencyMs' | 'p99LatencyRatio' | 'requests';
  value: number | null;
  threshold: number;
  /** `threshold - value` for a ceiling, `value - threshold` for a floor (requests): negative means breached. */
  margin: number | null;
  /** The margin as a share of the threshold. */
  marginPct: number | null;
}

export interface ReportStep {
  name: string;
  kind: string;
  state: string;
  targets: number;
  startedAt: string | null;
  endedAt: string | null;
  durationMs: number | null;
  bakeMs: number;
  verdict: GateResult['verdict'] | null;
  measurements: GateMeasurement[];
}

export interface ReleaseReport {
  format: 'rampart.release-report/1';
  rolloutId: string;
  playbook: string;
  method: string;
  state: string;
  /** The rollout was held, not ended: this report is rewritten when it ends. */
  interim: boolean;
  outcome: RolloutStatus['outcome'];
  startedBy: string;
  startedAt: string;
  endedAt: string | null;
  writtenAt: string;
  durationMs: number | null;
  risk: Pace;
  changes: { fromVersion: string; toVersion: string; targets: { id: string; step: string | null; from: string | null; to: string; state: string }[]; changed: number; total: number };
  steps: ReportStep[];
  nearMisses: NearMiss[];
  incidents: ReportIncident[];
  notices: NoticeTotals | null;
  successCriteria: JudgedCriterion[];
  lessons: Lessons | null;
}

const since = (from: string | null, to: string | null) => (from && to ? Date.parse(to) - Date.parse(from) : null);

function measure(metric: GateMeasurement['metric'], value: number | null, threshold: number, floor = false): GateMeasurement {
  const margin = value === null ? null : floor ? value - threshold : threshold - value;
  const round = (n: number) => Math.round(n * 1e6) / 1e6;
  return { metric, value, threshold, margin: margin === null ? null : round(margin), marginPct: margin === null || threshold === 0 ? null : round(margin / threshold) };
}

/** Every threshold of the playbook's gate against a step's last window. */
export function gateMeasurements(health: Playbook['health'], gate: GateResult | null): GateMeasurement[] {
  if (!gate) return [];
  const c = gate.candidate;
  const b = gate.baseline;
  const out = [measure('errorRate', c.errorRate, health.errorRate.max)];
  if (health.errorRate.maxIncrease !== undefined) {
    out.push(measure('errorRateIncrease', c.errorRate !== null && b?.errorRate != null ? c.errorRate - b.errorRate : null, health.errorRate.maxIncrease));
  }
  if (health.p99LatencyMs?.max !== undefined) out.push(measure('p99LatencyMs', c.p99LatencyMs, health.p99LatencyMs.max));
  if (health.p99LatencyMs?.maxRatio !== undefined) {
    out.push(measure('p99LatencyRatio', c.p99LatencyMs !== null && b?.p99LatencyMs ? c.p99LatencyMs / b.p99LatencyMs : null, health.p99LatencyMs.maxRatio));
  }
  out.push(measure('requests', c.requests, health.minSamples, true));
  return out;
}

/** Incidents the rollout opened or joined, from its timeline. */
export function incidentIdsOf(status: Pick<RolloutStatus, 'timeline'>): string[] {
  const ids = status.timeline.filter((e) => e.event === 'incident opened' || e.event === 'incident joined').map((e) => e.detail ?? '');
  return [...new Set(ids.filter((id) => id !== ''))];
}

/** The release report of a rollout as it ended (or as it is held). */
export function buildReleaseReport(status: RolloutStatus, playbook: Playbook, pace: Pace, incidents: ReportIncident[], writtenAt: string): ReleaseReport {
  const steps: ReportStep[] = status.steps.map((s) => ({
    name: s.name,
    kind: s.kind,
    state: s.state,
    targets: s.targets.length,
    startedAt: s.startedAt,
    endedAt: s.endedAt,
    durationMs: since(s.startedAt, s.endedAt),
    bakeMs: s.bakeMs,
    verdict: s.lastGate?.verdict ?? null,
    measurements: gateMeasurements(playbook.health, s.lastGate),
  }));
  const judge = {
    steps: status.steps.filter((s) => s.lastGate !== null).map((s) => ({ name: s.name, errorRate: s.lastGate?.candidate.errorRate ?? null, p99LatencyMs: s.lastGate?.candidate.p99LatencyMs ?? null })),
    rolledBack: status.timeline.some((e) => e.event === 'rolling back'),
    breached: status.breaker !== null || status.steps.some((s) => s.state === 'breached'),
    incidents: incidents.length,
  };
  // The playbook parsed, so every criterion parses (free text included).
  const successCriteria = playbook.planning.successCriteria.map((text) => {
    const parsed = parseCriterion(text);
    return parsed.ok ? judgeCriterion(parsed.criterion, judge) : { text, result: 'not judged' as const, measured: null, detail: parsed.error };
  });
  const targets = status.targets.map((t) => ({ id: t.id, step: t.step, from: t.previousVersion, to: t.version, state: t.state }));
  return {
    format: 'rampart.release-report/1',
    rolloutId: status.rolloutId,
    playbook: status.playbook,
    method: status.method,
    state: status.state,
    interim: status.state === 'held',
    outcome: status.outcome,
    startedBy: status.startedBy,
    startedAt: status.startedAt,
    endedAt: status.endedAt,
    writtenAt,
    durationMs: since(status.startedAt, status.endedAt),
    risk: pace,
    changes: {
      fromVersion: status.fromVersion,
      toVersion: status.version,
      targets,
      changed: status.targetSummary ? status.targetSummary.byVersion[status.version] ?? 0 : targets.filter((t) => t.from !== null).length,
      total: status.targetSummary?.total ?? targets.length,
    },
    steps,
    nearMisses: [...status.nearMisses],
    incidents,
    notices: status.notices,
    successCriteria,
    lessons: status.lessons ?? null,
  };
}
