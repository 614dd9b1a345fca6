import type { IncidentStatus } from './incidentStatus';

const minutes = (from: string, to: string | undefined | null) =>
  to ? `${((Date.parse(to) - Date.parse(from)) / 60_000).toFixed(1)} min` : 'n/a';

function firstAt(s: IncidentStatus, events: string[]): string | undefined {
  return s.timeline.find((e) => events.includes(e.event))?.at;
}

/**
 * The root cause analysis document for a blameless retrospective: the timeline from the workflow's
 * own record (who did what, when), the key durations, and the sections a team fills in.
 */
export function renderRca(s: IncidentStatus): string {
  const detected = s.openedAt;
  const mitigated = firstAt(s, ['rollback finished', 'degraded', 'resolved']);
  const impact = s.rolloutId ? `Rollout \`${s.rolloutId}\`.` : 'Not tied to a rollout.';
  const lines = [
    `# Incident ${s.incidentId}: ${s.summary}`,
    '',
    `- Severity: ${s.severity.toUpperCase()}`,
    `- Status: ${s.state}`,
    `- Source: ${s.source} (opened by ${s.openedBy})`,
    `- Escalation policy: ${s.policy}; last tier paged: ${s.tier?.name ?? 'none'} (walk ${s.cycle})`,
    `- Duplicate alerts joined: ${s.duplicateAlerts}`,
    `- Impact: ${impact}`,
    '',
    '## Key times',
    '',
    '| measure | value |',
    '|---|---|',
    `| time to detect | ${s.details.firstSignalAt ? minutes(s.details.firstSignalAt, detected) : '0.0 min (opened on detection)'} |`,
    `| time to acknowledge | ${minutes(detected, s.acknowledged?.at)} |`,
    `| time to mitigate | ${minutes(detected, mitigated)} |`,
    `| time to resolve | ${minutes(detected, s.resolved?.at)} |`,
    '',
    '## Timeline',
    '',
    '| time (UTC) | event | who | detail |',
    '|---|---|---|---|',
    ...s.timeline.map((e) => `| ${e.at} | ${e.event} | ${e.by ?? 'rampart'} | ${[e.reason, e.detail].filter(Boolean).join(' — ').replace(/\|/g, '\\|')} |`),
    '',
    '## Near misses',
    '',
    ...(s.nearMisses.length > 0 ? s.nearMisses.map((n) => `- ${n.at} ${n.kind}: ${n.detail}`) : ['- none recorded']),
    '',
    '## Root cause',
    '',
    s.details.rootCause ?? '_To be written by the team. Describe the systems, not the people._',
    '',
    '## Contributing factors',
    '',
    '- _What made this possible or worse (tests, monitoring, process, tooling)?_',
    '',
    '## Corrective actions',
    '',
    '| action | owner | due |',
    '|---|---|---|',
    '| _e.g. add a canary check for this failure mode_ | | |',
    '',
    '_Blameless: this review looks for what in our systems let the failure happen, not for whom to blame._',
    '',
  ];
  return lines.join('\n');
}
