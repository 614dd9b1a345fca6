import type { CorrectiveAction } from './correctiveActions';
import type { NearMiss } from './timeline';

/** What the planning of a rollout learned from the last reports of its playbook (RolloutStatus.lessons). */
export interface Lessons {
  /** The reports read, newest first. */
  reports: { rolloutId: string; state: string; endedAt: string | null }[];
  nearMisses: (NearMiss & { rolloutId: string })[];
  /** Corrective actions still open in those releases' incidents' RCAs, as the RCA documents say now. */
  openActions: (CorrectiveAction & { rolloutId: string; incidentId: string })[];
  /** Incidents of those releases still unresolved (no RCA yet). */
  openIncidents: { rolloutId: string; incidentId: string; severity: string | null }[];
  /** The extra approval the playbook asks for while such actions are open, when it applies. */
  extraApproval: string | null;
}

/** Reports read at planning: the last few are what a release manager reviews, not the whole history. */
export const LESSON_REPORTS = 5;

/** Where a release report lives below the worker's state folder (POSIX, relative): releases/<playbook>/<rollout>.json and .md. */
export function releaseReportPath(playbook: string, rolloutId: string, ext: 'json' | 'md'): string {
  return `releases/${playbook}/${rolloutId}.${ext}`;
}

/** Rollout ids and playbook names name files: only plain names do (a hand-made workflow input must not write elsewhere). */
export const REPORT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** One line for the planning note and the timeline. */
export function describeLessons(l: Lessons): string {
  if (l.reports.length === 0) return 'no earlier report of this playbook';
  const parts = [
    `${l.reports.length} earlier report(s) read (${l.reports.map((r) => `${r.rolloutId} ${r.state}`).join(', ')})`,
    `${l.nearMisses.length} near miss(es)${l.nearMisses.length > 0 ? `: ${l.nearMisses.map((n) => `${n.rolloutId}: ${n.detail}`).join('; ')}` : ''}`,
    `${l.openActions.length} open corrective action(s)${l.openActions.length > 0 ? `: ${l.openActions.map((a) => `[${a.severity}] ${a.action} (${a.incidentId})`).join('; ')}` : ''}`,
    ...(l.openIncidents.length > 0 ? [`unresolved incident(s): ${l.openIncidents.map((i) => i.incidentId).join(', ')}`] : []),
  ];
  return parts.join('; ');
}
