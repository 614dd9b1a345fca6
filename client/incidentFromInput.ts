import { incidentInputSchema } from '../domain/incident';
import type { IncidentStatus } from '../domain/incidentStatus';

/**
 * An incident's status as far as its start input tells it: what `incident status` shows for an
 * incident ended outside Rampart when no worker is up to answer for the closed workflow.
 */
export function incidentStatusFromInput(incidentId: string, input: unknown, startedAt: Date): IncidentStatus {
  const parsed = incidentInputSchema.safeParse(input);
  const known = parsed.success ? parsed.data : null;
  return {
    incidentId,
    severity: known?.severity ?? 'sev3',
    summary: known?.summary ?? '(its input could not be read)',
    source: known?.source ?? 'manual',
    dedupKey: known?.dedupKey ?? '',
    rolloutId: known?.rolloutId ?? null,
    state: 'open',
    policy: known?.policy.name ?? 'unknown',
    tier: null,
    cycle: 0,
    openedAt: startedAt.toISOString(),
    openedBy: known?.openedBy ?? 'unknown',
    acknowledged: null,
    resolved: null,
    duplicateAlerts: 0,
    slackThread: null,
    emailThreadId: null,
    nearMisses: [],
    timeline: [],
    details: known?.details ?? {},
  };
}
