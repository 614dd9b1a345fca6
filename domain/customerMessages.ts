import type { CustomerNotice, NoticeFacts } from './customerNotice';
import type { Customer } from './customers';
import type { SlackBlock } from './incidentBlocks';
import { slackText } from './escape/slack';
import { terminalLine, terminalText } from './escape/terminal';

/**
 * A customer notice in plain customer language, for each channel it goes out on. Rendered from
 * the notice's facts only: the customer hears what changes for them, when, and what they can do,
 * never our host names, target ids, people or metrics.
 */
export interface RenderedNotice {
  /** One line: the mail subject, the Slack header. */
  subject: string;
  /** Mail text part. */
  text: string;
  /** Mail HTML part; every value escaped. */
  html: string;
  slack: { text: string; blocks?: SlackBlock[] };
  /** JSON body for the customer's webhook: the text plus the facts as fields a program can read. */
  webhook: Record<string, unknown>;
}

/** One labelled part of the message ("When", "Expected impact"), or a plain paragraph without a label. */
interface Part {
  label?: string;
  text: string;
  /** Shown as a bulleted list (the digest's changes). */
  items?: string[];
}

interface Draft {
  subject: string;
  parts: Part[];
}

export function renderCustomerNotice(notice: CustomerNotice, customer: Customer): RenderedNotice {
  const draft = draftFor(notice, customer.timeZone);
  const subject = oneLine(draft.subject);
  const parts: Part[] = [{ text: `Hello ${customer.name},` }, ...draft.parts, { text: footer(notice) }];
  return {
    subject,
    // Plain text is read in mail clients and terminals: controls and bidi overrides shown as escapes.
    text: terminalText(renderText(parts)),
    html: renderHtml(subject, parts),
    slack: renderSlack(subject, parts),
    webhook: webhookBody(notice, customer, subject, renderText(parts)),
  };
}

function draftFor(notice: CustomerNotice, timeZone: string): Draft {
  const f = notice.facts;
  const when = (iso: string) => formatTime(iso, timeZone);
  const security = f.security || notice.category === 'security';
  const live = f.portalUrl ? [{ label: 'Live status', text: f.portalUrl }] : [];
  switch (notice.kind) {
    case 'pre-deployment':
      return {
        subject: `${security ? 'Security fix: ' : ''}${f.component} will be updated to ${f.release}${f.window ? ` on ${f.window.label}` : ''}`,
        parts: [
          { text: `We will update ${f.component} from version ${f.fromVersion} to ${f.release}.` },
          ...(security ? [{ text: 'This update fixes a security issue. We strongly recommend letting it go ahead as planned.' }] : []),
          { label: 'When', text: f.window ? `${f.window.label} (your maintenance window)` : 'in your next maintenance window; we will tell you the exact time' },
          ...opt('Expected impact', f.expectedImpact),
          ...opt('Expected downtime', f.expectedDowntime),
          ...opt('What changes', f.releaseNotes),
          ...deferral(f, when),
          ...live,
        ],
      };
    case 'post-deployment':
      return {
        subject: `${security ? 'Security fix installed: ' : ''}${f.component} is now on ${f.release}`,
        parts: [
          { text: `We have updated ${f.component} from version ${f.fromVersion} to ${f.release}.` },
          ...(security ? [{ text: 'This update fixed a security issue; no action is needed on your side.' }] : []),
          ...opt('What changed', f.releaseNotes),
          { label: 'Something not right?', text: f.reportProblem ?? 'Reply to this message and tell us what you see.' },
          ...live,
        ],
      };
    case 'incident':
    case 'incident-update':
      return {
        subject: notice.kind === 'incident' ? `Incident: ${f.component} is affected by an update` : `Update on the incident affecting ${f.component}`,
        parts: [
          ...(notice.kind === 'incident' ? [{ text: `We found a problem while updating ${f.component} to ${f.release} and are working on it.` }] : []),
          ...opt('What you may notice', f.impact),
          ...opt('What we are doing', f.action),
          ...(f.nextUpdateAt ? [{ label: 'Next update', text: `by ${when(f.nextUpdateAt)}` }] : []),
          ...live,
        ],
      };
    case 'incident-resolved':
      return {
        subject: `Resolved: the incident affecting ${f.component}`,
        parts: [
          { text: `The incident affecting ${f.component} is resolved.` },
          ...opt('Resolution', f.action),
          ...opt('What was affected', f.impact),
          { label: 'Still seeing a problem?', text: f.reportProblem ?? 'Reply to this message and tell us what you see.' },
          ...live,
        ],
      };
    case 'digest': {
      const changes = f.changes ?? [];
      return {
        subject: `${f.component}: ${changes.length} minor ${changes.length === 1 ? 'change' : 'changes'} since our last notice`,
        parts: [
          { text: `To keep notices few, we collected the minor changes to ${f.component} in one message.`, items: changes.map((c) => `${when(c.at)}: ${c.text}`) },
          ...live,
        ],
      };
    }
  }
}

function opt(label: string, text: string | undefined): Part[] {
  return text?.trim() ? [{ label, text: text.trim() }] : [];
}

function deferral(f: NoticeFacts, when: (iso: string) => string): Part[] {
  if (!f.howToDefer && !f.deferUntilLatest) return [];
  const how = f.howToDefer ? f.howToDefer.trim() : 'Reply to this message.';
  const until = f.deferUntilLatest ? ` You can put it off until ${when(f.deferUntilLatest)} at the latest.` : '';
  return [{ label: 'Need a different time?', text: `${how}${until}` }];
}

/** Why the customer gets this, and for routine notices how to get fewer: alert fatigue is a failure too. */
function footer(notice: CustomerNotice): string {
  if (notice.category === 'security' || notice.category === 'incident') {
    return 'Security and incident notices are always sent, whatever your notice preferences.';
  }
  return `You can opt out of ${notice.category} notices or lower how many routine notices you get per week: reply to this message.`;
}

/** "Tue, 24 Nov 2026, 14:00 CET" in the customer's own zone; an unreadable time as given. */
export function formatTime(iso: string, timeZone: string): string {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) return iso;
  const date = new Date(ms);
  return `${formatters(timeZone).dateTime.format(date)} ${zoneName(timeZone, date)}`;
}

/** ICU names European zones ("CET") under en-GB only and American ones ("EST") under en-US only. */
function zoneName(timeZone: string, at: Date): string {
  const names = formatters(timeZone).zone.map((f) => f.formatToParts(at).find((p) => p.type === 'timeZoneName')?.value ?? '');
  return names.find((name) => /^[A-Z]{2,5}$/.test(name)) ?? names[0] ?? timeZone;
}

const cachedFormatters = new Map<string, { dateTime: Intl.DateTimeFormat; zone: Intl.DateTimeFormat[] }>();

/** Building an Intl formatter costs far more than using one: one set per zone. */
function formatters(timeZone: string): { dateTime: Intl.DateTimeFormat; zone: Intl.DateTimeFormat[] } {
  let cached = cachedFormatters.get(timeZone);
  if (!cached) {
    cached = {
      dateTime: new Intl.DateTimeFormat('en-GB', {
        timeZone,
        weekday: 'short',
        day: 'numeric',
        month: 'short',
        year: 'numeric',
        hour: '2-digit',
        minute: '2-digit',
        hourCycle: 'h23',
      }),
      zone: ['en-GB', 'en-US'].map((locale) => new Intl.DateTimeFormat(locale, { timeZone, timeZoneName: 'short' })),
    };
    cachedFormatters.set(timeZone, cached);
  }
  return cached;
}

function oneLine(text: string): string {
  // A mail subject and a Slack header: whitespace runs collapse, other controls and bidi overrides show as escapes.
  const line = terminalLine(text.replace(/\s+/g, ' ').trim());
  return line.length <= 200 ? line : `${line.slice(0, 199)}…`;
}

/** "When:", but a question stays one: "Need a different time?" */
function heading(label: string): string {
  return label.endsWith('?') ? label : `${label}:`;
}

function renderText(parts: Part[]): string {
  return parts
    .map((p) => {
      const items = p.items?.length ? `\n${p.items.map((i) => `  - ${i}`).join('\n')}` : '';
      if (!p.label) return `${p.text}${items}`;
      return p.text.includes('\n') ? `${heading(p.label)}\n${p.text}${items}` : `${heading(p.label)} ${p.text}${items}`;
    })
    .join('\n\n');
}

function escapeHtml(text: string): string {
  return terminalText(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

function renderHtml(subject: string, parts: Part[]): string {
  const lines = (text: string) => escapeHtml(text).replace(/\n/g, '<br>\n');
  const body = parts.map((p) => {
    const label = p.label ? `<strong>${escapeHtml(heading(p.label))}</strong> ` : '';
    const items = p.items?.length ? `\n<ul>\n${p.items.map((i) => `<li>${lines(i)}</li>`).join('\n')}\n</ul>` : '';
    return `<p>${label}${lines(p.text)}</p>${items}`;
  });
  return [`<!doctype html>`, `<html><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head><body>`, ...body, '</body></html>'].join('\n');
}

/** Slack's mrkdwn control characters; a customer's text must not become a link or a mention. */
const escapeMrkdwn = slackText;

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Header plus one section per part; Slack caps a header at 150 and a section at 3,000 characters. */
function renderSlack(subject: string, parts: Part[]): RenderedNotice['slack'] {
  const mrkdwn = (p: Part) => {
    const items = p.items?.length ? `\n${p.items.map((i) => `• ${escapeMrkdwn(i)}`).join('\n')}` : '';
    return `${p.label ? `*${escapeMrkdwn(p.label)}*\n` : ''}${escapeMrkdwn(p.text)}${items}`;
  };
  const blocks: SlackBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: clip(subject, 150), emoji: false } },
    ...parts.slice(0, 48).map((p) => ({ type: 'section', text: { type: 'mrkdwn', text: clip(mrkdwn(p), 3000) } })),
  ];
  return { text: clip(`*${escapeMrkdwn(subject)}*\n\n${parts.map(mrkdwn).join('\n\n')}`, 39_000), blocks };
}

function webhookBody(notice: CustomerNotice, customer: Customer, subject: string, text: string): Record<string, unknown> {
  return {
    type: 'customer-notice',
    id: notice.key,
    kind: notice.kind,
    category: notice.category,
    customerId: customer.id,
    createdAt: notice.createdAt,
    subject,
    text,
    facts: notice.facts,
  };
}
