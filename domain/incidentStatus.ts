import type { IncidentInput, Severity, IncidentSource } from './incident';
import type { Interruption } from './rolloutStatus';
import type { NearMiss, TimelineEntry } from './timeline';

export type { NearMiss } from './timeline';

export type IncidentState = 'open' | 'acknowledged' | 'resolved';


export interface IncidentStatus {
  incidentId: string;
  severity: Severity;
  summary: string;
  source: IncidentSource;
  dedupKey: string;
  rolloutId: string | null;
  state: IncidentState;
  policy: string;
  /** The tier paged last, and how many times the chain has been walked. */
  tier: { index: number; name: string; roster: string[]; ackDeadline: string | null } | null;
  cycle: number;
  openedAt: string;
  openedBy: string;
  acknowledged: { by: string; at: string } | null;
  resolved: { by: string; at: string; reason: string | null } | null;
  duplicateAlerts: number;
  slackThread: { channel: string; ts: string } | null;
  emailThreadId: string | null;
  nearMisses: NearMiss[];
  timeline: TimelineEntry[];
  details: Record<string, string>;
  /**
   * Set when the incident's execution was ended outside Rampart (terminated, cancelled, timed
   * out, failed): it pages nobody any more and takes no commands, whatever `state` last said.
   */
  interrupted?: Omit<Interruption, 'lastState'>;
}

/** An incident as it stands when opened: what its tracker starts from, and all a closed incident's input can show. */
export function openedIncidentStatus(input: Omit<IncidentInput, 'policy'>, policyName: string, openedAt: string): IncidentStatus {
  return {
    incidentId: input.incidentId,
    severity: input.severity,
    summary: input.summary,
    source: input.source,
    dedupKey: input.dedupKey,
    rolloutId: input.rolloutId ?? null,
    state: 'open',
    policy: policyName,
    tier: null,
    cycle: 0,
    openedAt,
    openedBy: input.openedBy,
    acknowledged: null,
    resolved: null,
    duplicateAlerts: 0,
    slackThread: null,
    emailThreadId: null,
    nearMisses: [],
    timeline: [],
    details: input.details ?? {},
  };
}
