import { incidentInputSchema } from '../domain/incident';
import { openedIncidentStatus, type IncidentStatus } from '../domain/incidentStatus';

/**
 * An incident's status as far as its start input tells it: what `incident status` shows for an
 * incident ended outside Rampart when no worker is up to answer for the closed workflow.
 */
export function incidentStatusFromInput(incidentId: string, input: unknown, startedAt: Date): IncidentStatus {
  const parsed = incidentInputSchema.safeParse(input);
  if (parsed.success) return openedIncidentStatus(parsed.data, parsed.data.policy.name, startedAt.toISOString());
  return openedIncidentStatus(
    { incidentId, severity: 'sev3', summary: '(its input could not be read)', source: 'manual', dedupKey: '', openedBy: 'unknown' },
    'unknown',
    startedAt.toISOString(),
  );
}
