import { slackText } from './escape/slack';
import { terminalLine } from './escape/terminal';

/** One Slack Block Kit block (the shape Slack's API takes), kept free of the Slack SDK's types. */
export interface SlackBlock {
  type: string;
  [field: string]: unknown;
}

/** What an incident's Slack header shows. An IncidentStatus (domain/incidentStatus) fits as is. */
export interface IncidentNotice {
  incidentId: string;
  severity: string;
  summary: string;
  /** 'open' (unacknowledged), 'acknowledged', 'resolved', ... */
  state: string;
  rolloutId?: string | null;
  /** The tier paged last. */
  tier?: { name: string; roster?: string[] } | null;
  /** ISO time the incident was opened. */
  openedAt: string;
  openedBy?: string;
  source?: string;
  acknowledged?: { by: string; at: string } | null;
  resolved?: { by: string; at: string } | null;
}

export const ACK_ACTION_ID = 'rampart_ack';

/** Slack's mrkdwn control characters: every value from the incident is escaped (see escape/slack). */
const escapeMrkdwn = slackText;

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** A time Slack renders in each reader's own time zone, with the ISO text as the fallback. */
function slackDate(iso: string): string {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) return escapeMrkdwn(iso);
  return `<!date^${Math.floor(ms / 1000)}^{date_short_pretty} {time}|${escapeMrkdwn(iso)}>`;
}

function field(label: string, value: string): { type: 'mrkdwn'; text: string } {
  return { type: 'mrkdwn', text: clip(`*${label}*\n${value}`, 2000) };
}

/**
 * Block Kit for an incident's header message: the summary as header, the key facts as fields,
 * a context line, and while nobody has acknowledged, an Acknowledge button whose value is the
 * incident id (the interactivity endpoint turns a click into the acknowledge Update).
 */
export function incidentBlocks(notice: IncidentNotice): SlackBlock[] {
  const tier = notice.tier ? `${escapeMrkdwn(notice.tier.name)}${notice.tier.roster?.length ? ` (${escapeMrkdwn(notice.tier.roster.join(', '))})` : ''}` : '-';
  const blocks: SlackBlock[] = [
    {
      type: 'header',
      // plain_text: Slack reads no mentions or links here; controls and bidi overrides are still shown as escapes.
      text: { type: 'plain_text', text: clip(terminalLine(`${notice.severity.toUpperCase()} · ${notice.summary}`), 150), emoji: true },
    },
    {
      type: 'section',
      fields: [
        field('Severity', escapeMrkdwn(notice.severity.toUpperCase())),
        field('Status', escapeMrkdwn(notice.state)),
        field('Rollout', notice.rolloutId ? `\`${escapeMrkdwn(notice.rolloutId)}\`` : '-'),
        field('Current tier', tier),
        field('Opened', slackDate(notice.openedAt)),
      ],
    },
  ];
  const context = [`Incident \`${escapeMrkdwn(notice.incidentId)}\``];
  if (notice.source) context.push(`source ${escapeMrkdwn(notice.source)}`);
  if (notice.openedBy) context.push(`opened by ${escapeMrkdwn(notice.openedBy)}`);
  if (notice.acknowledged) context.push(`acknowledged by ${escapeMrkdwn(notice.acknowledged.by)} ${slackDate(notice.acknowledged.at)}`);
  if (notice.resolved) context.push(`resolved by ${escapeMrkdwn(notice.resolved.by)} ${slackDate(notice.resolved.at)}`);
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: clip(context.join(' · '), 3000) }] });
  if (notice.state === 'open' && !notice.acknowledged) {
    blocks.push({
      type: 'actions',
      block_id: 'rampart_incident_actions',
      elements: [
        {
          type: 'button',
          action_id: ACK_ACTION_ID,
          value: notice.incidentId,
          style: 'danger',
          text: { type: 'plain_text', text: 'Acknowledge', emoji: false },
        },
      ],
    });
  }
  return blocks;
}
