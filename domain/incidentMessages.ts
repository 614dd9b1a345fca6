import { terminalLine, terminalText } from './escape/terminal';
import type { IncidentStatus } from './incidentStatus';

/** One message about an incident, rendered for each channel it goes out on. */
export interface IncidentMessage {
  /** One line for Slack's fallback text and the mail subject. */
  headline: string;
  /** Plain text body (mail text part, Slack thread reply). */
  text: string;
  /** HTML body for mail. */
  html: string;
}

/** HTML-escaped, with controls and bidi overrides shown as escapes (a summary must not reorder or hide text). */
const escapeHtml = (text: string) =>
  terminalText(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function incidentFacts(s: IncidentStatus): [string, string][] {
  return [
    ['Severity', s.severity.toUpperCase()],
    ['Status', s.state],
    ['Source', s.source],
    ['Rollout', s.rolloutId ?? '-'],
    ['Tier', s.tier ? `${s.tier.name} (${s.tier.roster.join(', ')})` : '-'],
    ['Opened', s.openedAt],
  ];
}

export function renderIncidentMessage(s: IncidentStatus, event: string): IncidentMessage {
  // One line whatever the record holds: it is a mail subject (no header injection) and Slack's fallback text.
  const headline = terminalLine(`[${s.severity.toUpperCase()}] ${s.incidentId}: ${s.summary}`);
  const facts = incidentFacts(s);
  const recovery = s.details.manualRecovery;
  const why = s.details.reason ? [`Why: ${s.details.reason}`] : [];
  const steps = recovery ? ['', 'Automated rollback is not possible. Manual recovery steps:', recovery] : [];
  // Plain text is read in mail clients and terminals: each value on its own line, controls made visible.
  const text = terminalText([terminalLine(event), ...why.map(terminalLine), '', ...facts.map(([k, v]) => terminalLine(`${k}: ${v}`)), ...steps, '', `rampart incident ack ${s.incidentId} --by <you>`].join('\n'));
  const html = [
    `<p>${escapeHtml(event)}</p>`,
    ...why.map((w) => `<p>${escapeHtml(w)}</p>`),
    '<table>',
    ...facts.map(([k, v]) => `<tr><th align="left">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`),
    '</table>',
    ...(recovery ? [`<p><strong>Automated rollback is not possible. Manual recovery steps:</strong></p><pre>${escapeHtml(recovery)}</pre>`] : []),
    `<p>Acknowledge: <code>rampart incident ack ${escapeHtml(s.incidentId)} --by &lt;you&gt;</code> or the button in Slack.</p>`,
  ].join('\n');
  return { headline, text, html };
}

