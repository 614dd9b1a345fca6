/** One line of a rollout's or an incident's timeline; the contract names the events. */
export interface TimelineEntry {
  at: string;
  event: string;
  by?: string;
  reason?: string;
  detail?: string;
}

export interface NearMiss {
  at: string;
  kind: 'gate-near-threshold' | 'stop-cancelled' | 'escalation-last-tier';
  detail: string;
}
