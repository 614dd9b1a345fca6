import { incidentBlocks } from '../../domain/incidentBlocks';
import { renderIncidentMessage } from '../../domain/incidentMessages';
import { openedIncidentStatus, type IncidentStatus } from '../../domain/incidentStatus';
import { notify } from '../../workflows/notifyActivities';

export interface NotifyBatchInput {
  /** Starts every incident id and so every key: the same label sends the same notifications again (a replay). */
  label: string;
  /** Incidents `first` .. `first + count - 1`; each gets one Slack post and one mail. */
  first: number;
  count: number;
  /** Notifications in flight at a time in this workflow. */
  parallel: number;
  /** Slack channel ("#name" or id). */
  channel: string;
  to: string[];
  /** ISO time shown as the incidents' opening time: an argument, so a replay renders the same text. */
  openedAt: string;
}

export interface NotifyBatchResult {
  slack: number;
  email: number;
}

function incident(input: NotifyBatchInput, n: number): IncidentStatus {
  const opened = openedIncidentStatus({
    incidentId: `${input.label}-inc-${n}`,
    severity: 'sev2',
    summary: `bench incident ${n}: error rate above 2% on wave 1`,
    source: 'breaker',
    dedupKey: `${input.label}/breaker/${n}`,
    rolloutId: `${input.label}-rollout-${n % 10}`,
    openedBy: 'breaker',
    details: { reason: 'checkout error rate 2.4% > 2% for 60 s' },
  }, 'default', input.openedAt);
  return { ...opened, tier: { index: 0, name: 'primary', roster: ['alice', 'bob'], ackDeadline: null }, cycle: 1 };
}

/**
 * The bench's incident notifications, sent the way the incident pager (workflows/incidentPager.ts)
 * sends an incident's opening notices: a Slack header with the incident's blocks and its opening
 * mail, with the same keys, Message-IDs and activity options (workflows/notifyActivities.ts), so
 * the real notify activities run under the real retry policy. `count` incidents make 2 * count
 * notifications, `parallel` of them in flight at a time.
 */
export async function notifyBatchWorkflow(input: NotifyBatchInput): Promise<NotifyBatchResult> {
  const jobs = input.count * 2;
  const sent: NotifyBatchResult = { slack: 0, email: 0 };
  let next = 0;
  const lane = async () => {
    while (next < jobs) {
      const job = next++;
      const status = incident(input, input.first + Math.floor(job / 2));
      const id = status.incidentId;
      const message = renderIncidentMessage(status, 'Incident opened.');
      if (job % 2 === 0) {
        await notify.postSlackMessage({
          key: `${id}/slack/header`,
          metadataKey: `${id}/slack/header`,
          channel: input.channel,
          text: message.headline,
          blocks: incidentBlocks(status),
        });
        sent.slack++;
      } else {
        await notify.sendEmail({
          key: `${id}/email/opened`,
          to: input.to,
          subject: message.headline,
          text: message.text,
          html: message.html,
          messageId: `<${id}.opened@rampart>`,
        });
        sent.email++;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(input.parallel, jobs)) }, lane));
  return sent;
}
