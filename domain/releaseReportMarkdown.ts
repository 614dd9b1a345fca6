import { markdownLine as md } from './escape/markdown';
import type { GateMeasurement, ReleaseReport } from './releaseReport';

const duration = (ms: number | null) => (ms === null ? 'n/a' : ms < 60_000 ? `${(ms / 1000).toFixed(1)} s` : `${(ms / 60_000).toFixed(1)} min`);
const num = (n: number | null) => (n === null ? 'n/a' : String(Math.round(n * 10_000) / 10_000));
const pct = (n: number | null) => (n === null ? 'n/a' : `${(n * 100).toFixed(1)}%`);
const gate = (m: GateMeasurement) => `${m.metric} ${num(m.value)} (limit ${num(m.threshold)}, margin ${num(m.margin)} = ${pct(m.marginPct)})`;

/**
 * The release report as a document for the release review: every value from the record escaped
 * (a reason or a step name cannot add a link, a heading or a table cell).
 */
export function renderReleaseReport(r: ReleaseReport): string {
  const lines = [
    `# Release report ${md(r.rolloutId)}: ${md(r.changes.fromVersion)} -> ${md(r.changes.toVersion)}`,
    '',
    ...(r.interim ? ['_Interim: the rollout is held, not ended; this report is rewritten when it ends._', ''] : []),
    `- Playbook: ${md(r.playbook)} (${md(r.method)}), risk ${r.risk.level}: bake times x${r.risk.bakeFactor}, ${r.risk.extraApprovals} extra approval(s)`,
    `- Result: ${md(r.state)}${r.outcome ? `: ${md(r.outcome.reason)}` : ''}`,
    `- Started by ${md(r.startedBy)} at ${md(r.startedAt)}; ended ${md(r.endedAt ?? 'not yet')} (${duration(r.durationMs)})`,
    `- Targets changed: ${r.changes.changed} of ${r.changes.total}`,
    '',
    '## Success criteria',
    '',
    '| criterion | result | measured | detail |',
    '|---|---|---|---|',
    ...r.successCriteria.map((c) => `| ${md(c.text)} | ${c.result.toUpperCase()} | ${md(String(c.measured ?? 'n/a'))} | ${md(c.detail)} |`),
    '',
    '## Steps and health gates',
    '',
    '| step | state | targets | duration | bake | last gate |',
    '|---|---|---|---|---|---|',
    ...r.steps.map((s) => `| ${md(s.name)} | ${md(s.state)} | ${s.targets} | ${duration(s.durationMs)} | ${duration(s.bakeMs)} | ${s.verdict ? `${s.verdict}: ${s.measurements.map(gate).join('; ')}` : 'no window'} |`),
    '',
    '## What changed where',
    '',
    '| target | step | from | to | state |',
    '|---|---|---|---|---|',
    ...r.changes.targets.map((t) => `| ${md(t.id)} | ${md(t.step ?? 'not in this rollout')} | ${md(t.from ?? '-')} | ${md(t.to)} | ${md(t.state)} |`),
    '',
    '## Near misses',
    '',
    ...(r.nearMisses.length > 0 ? r.nearMisses.map((n) => `- ${md(n.at)} ${md(n.kind)}: ${md(n.detail)}`) : ['- none recorded']),
    '',
    '## Incidents',
    '',
    ...(r.incidents.length === 0 ? ['- none'] : r.incidents.flatMap((i) => [
      `- ${md(i.incidentId)} (${md(i.severity ?? 'severity unknown')}, ${md(i.state)}): ${md(i.summary ?? '')}`,
      `  - RCA: ${md(i.rca ?? 'not written yet (written when the incident is resolved)')}${i.rootCause ? `; root cause: ${md(i.rootCause)}` : ''}`,
      ...i.correctiveActions.map((a) => `  - corrective action [${a.severity}, ${md(a.status)}] ${md(a.action)}${a.owner ? ` (owner ${md(a.owner)}${a.due ? `, due ${md(a.due)}` : ''})` : ''}`),
    ])),
    '',
    '## Customer notices',
    '',
    r.notices ? `- sent ${r.notices.sent}, suppressed ${r.notices.suppressed}, held ${r.notices.held}, batched ${r.notices.batched}, failed ${r.notices.failed}` : '- no customers file with this rollout',
    '',
    '## Carried from earlier releases of this playbook',
    '',
    ...(!r.lessons || r.lessons.reports.length === 0 ? ['- no earlier report read'] : [
      `- reports read: ${r.lessons.reports.map((x) => md(x.rolloutId)).join(', ')}`,
      ...r.lessons.nearMisses.map((n) => `- near miss in ${md(n.rolloutId)}: ${md(n.kind)}: ${md(n.detail)}`),
      ...r.lessons.openActions.map((a) => `- open corrective action of ${md(a.incidentId)} [${a.severity}]: ${md(a.action)}`),
      ...r.lessons.openIncidents.map((i) => `- incident ${md(i.incidentId)} of ${md(i.rolloutId)} still unresolved`),
      ...(r.lessons.extraApproval ? [`- ${md(r.lessons.extraApproval)}`] : []),
    ]),
    '',
  ];
  return lines.join('\n');
}
