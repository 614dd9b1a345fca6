import { markdownBlock, markdownLine as md } from './escape/markdown';
import type { IncidentStatus } from './incidentStatus';

const minutes = (from: string, to: string | undefined | null) =>
  to ? `${((Date.parse(to) - Date.parse(from)) / 60_000).toFixed(1)} min` : 'n/a';

function firstAt(s: IncidentStatus, events: string[]): string | undefined {
  return s.timeline.find((e) => events.includes(e.event))?.at;
}

/**
 * The root cause analysis document for a blameless retrospective: the timeline from the workflow's
 * own record (who did what, when), the key durations, and the sections a team fills in. Every
 * value from the record is escaped (md): a summary, a reason or a note from outside cannot add a
 * link, a heading, a table cell or raw HTML to the document.
 */
export function renderRca(s: IncidentStatus): string {
  const detected = s.openedAt;
  const mitigated = firstAt(s, ['rollback finished', 'degraded', 'resolved']);
  const impact = s.rolloutId ? `Rollout ${md(s.rolloutId)}.` : 'Not tied to a rollout.';
  const lines = [
    `# Incident ${md(s.incidentId)}: ${md(s.summary)}`,
    '',
    `- Severity: ${s.severity.toUpperCase()}`,
    `- Status: ${md(s.state)}`,
    `- Source: ${md(s.source)} (opened by ${md(s.openedBy)})`,
    `- Escalation policy: ${md(s.policy)}; last tier paged: ${md(s.tier?.name ?? 'none')} (walk ${s.cycle})`,
    `- Duplicate alerts joined: ${s.duplicateAlerts}`,
    `- Impact: ${impact}`,
    ...(s.details.breakGlass ? [`- Started with break-glass (change control overridden): ${md(s.details.breakGlass)}`] : []),
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
    ...s.timeline.map((e) => `| ${md(e.at)} | ${md(e.event)} | ${md(e.by ?? 'rampart')} | ${[e.reason, e.detail].filter(Boolean).map((text) => md(String(text))).join(' — ')} |`),
    '',
    '## Near misses',
    '',
    ...(s.nearMisses.length > 0 ? s.nearMisses.map((n) => `- ${md(n.at)} ${md(n.kind)}: ${md(n.detail)}`) : ['- none recorded']),
    '',
    '## Root cause',
    '',
    s.details.rootCause ? markdownBlock(s.details.rootCause) : '_To be written by the team. Describe the systems, not the people._',
    '',
    '## Contributing factors',
    '',
    '- _What made this possible or worse (tests, monitoring, process, tooling)?_',
    '',
    '## Corrective actions',
    '',
    // Read back by the next rollout of the playbook (domain/correctiveActions.ts): severity low, medium, high or critical; status open until done.
    '| action | severity | owner | due | status |',
    '|---|---|---|---|---|',
    '| _e.g. add a canary check for this failure mode_ | _high_ | | | _open_ |',
    '',
    '_Blameless: this review looks for what in our systems let the failure happen, not for whom to blame._',
    '',
  ];
  return lines.join('\n');
}
