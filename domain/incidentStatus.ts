import type { Severity, IncidentSource } from './incident';
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
