import type { EscalationPolicy, Tier } from '../domain/incident';
import { incidentBlocks } from '../domain/incidentBlocks';
import { renderIncidentMessage } from '../domain/incidentMessages';
import { mrkdwn, SlackMarkup, slackText } from '../domain/escape/slack';
import type { IncidentTracker } from './incidentTracker';
import { notify } from './notifyActivities';
import { drillText } from '../domain/drill';

/** The first line of a drill's mails: answer as if it were real, but it is a rehearsal. */
const DRILL_NOTICE = '[DRILL] This is a game day: a rehearsal on a drill fleet, not production. Answer the page as you would a real one.';

function failureText(err: unknown): string {
  const cause = (err as { cause?: Error }).cause;
  return cause?.message ?? (err instanceof Error ? err.message : String(err));
}

/**
 * Sends everything an incident says, in order, without holding up its escalation timers: one Slack
 * thread (a header updated in place, then replies) and one mail thread (Message-ID, In-Reply-To).
 * Every send has a key of its own, so a retried or replayed send is not sent twice.
 */
export class IncidentPager {
  private outbox: Promise<void> = Promise.resolve();
  private seq = 0;
  private readonly mailed = new Set<string>();

  constructor(
    private readonly tracker: IncidentTracker,
    private readonly policy: EscalationPolicy,
    /** A drill's incident (domain/drill.ts): every Slack text and mail subject starts with [DRILL]. */
    private readonly drill = false,
  ) {}

  /** Slack text (mrkdwn) or a mail subject, marked when this is a drill. */
  private marked(text: string): string {
    return this.drill ? drillText(text) : text;
  }

  private get id(): string {
    return this.tracker.status.incidentId;
  }

  /** The incident's Slack channel: the first Slack channel of the chain, from the first tier paged. */
  private slackChannel(): string | undefined {
    const tiers = [...this.policy.tiers.slice(this.policy.startTier), ...this.policy.tiers.slice(0, this.policy.startTier)];
    for (const tier of tiers) {
      for (const channel of tier.channels) if ('slack' in channel) return channel.slack;
    }
    return undefined;
  }

  private rootMessageId(): string {
    return `<${this.id}.opened@rampart>`;
  }

  private enqueue(what: string, send: () => Promise<void>): void {
    this.outbox = this.outbox.then(send).catch((err) => {
      this.tracker.note('notification failed', { detail: `${what}: ${failureText(err)}` });
    });
  }

  open(): void {
    const channel = this.slackChannel();
    if (!channel) return;
    this.enqueue('Slack thread', async () => {
      const message = renderIncidentMessage(this.tracker.status, 'Incident opened.');
      const posted = await notify.postSlackMessage({
        key: `${this.id}/slack/header`,
        metadataKey: `${this.id}/slack/header`,
        channel,
        text: this.marked(slackText(message.headline)),
        blocks: incidentBlocks(this.tracker.status),
      });
      this.tracker.status.slackThread = posted;
    });
  }

  page(index: number, tier: Tier, cycle: number): void {
    const step = `page-${cycle}-${index}`;
    // The mentions are Rampart's own markup (Slack ids the policy schema checked); every name is escaped.
    const mentions = new SlackMarkup(tier.people.map((p) => (p.slack ? `<@${p.slack}>` : slackText(p.name))).join(' '));
    this.reply(step, mrkdwn`Paging ${tier.name}: ${mentions}. Acknowledge within the deadline or the next tier is paged.`);
    const to = [
      ...tier.people.flatMap((p) => (p.email ? [p.email] : [])),
      ...tier.channels.flatMap((c) => ('email' in c ? [c.email] : [])),
    ];
    to.forEach((address) => this.mailed.add(address));
    this.mail(step, to, `Paging ${tier.name}: please acknowledge.`);
  }

  /** A state change: header updated in place, a thread reply, and a mail to everyone paged so far. */
  announce(event: string): void {
    const step = `event-${++this.seq}`;
    this.updateHeader(step);
    // An event carries reasons, alert summaries and notes from outside: shown as text, never as a ping or a link.
    this.reply(step, slackText(event));
    this.mail(step, [...this.mailed], event);
  }

  async flush(): Promise<void> {
    await this.outbox;
  }

  private updateHeader(step: string): void {
    this.enqueue('Slack header', async () => {
      const thread = this.tracker.status.slackThread;
      if (!thread) return;
      await notify.updateSlackMessage({
        key: `${this.id}/slack/header/${step}`,
        channel: thread.channel,
        ts: thread.ts,
        text: this.marked(slackText(renderIncidentMessage(this.tracker.status, '').headline)),
        blocks: incidentBlocks(this.tracker.status),
      });
    });
  }

  /** `text` is mrkdwn, already escaped where it holds untrusted values. */
  private reply(step: string, text: string): void {
    this.enqueue('Slack reply', async () => {
      const thread = this.tracker.status.slackThread;
      if (!thread) return;
      const key = `${this.id}/slack/${step}`;
      await notify.postSlackMessage({ key, metadataKey: key, channel: thread.channel, threadTs: thread.ts, text: this.marked(text) });
    });
  }

  private mail(step: string, to: string[], event: string): void {
    if (to.length === 0) return;
    this.enqueue('mail', async () => {
      const message = renderIncidentMessage(this.tracker.status, event);
      const first = this.tracker.status.emailThreadId === null;
      const messageId = first ? this.rootMessageId() : `<${this.id}.${step}@rampart>`;
      await notify.sendEmail({
        key: `${this.id}/email/${step}`,
        to,
        subject: this.marked(first ? message.headline : `Re: ${message.headline}`),
        text: this.drill ? `${DRILL_NOTICE}\n\n${message.text}` : message.text,
        html: this.drill ? `<p><strong>${DRILL_NOTICE}</strong></p>\n${message.html}` : message.html,
        messageId,
        ...(first ? {} : { inReplyTo: this.rootMessageId(), references: [this.rootMessageId()] }),
      });
      this.tracker.status.emailThreadId = this.rootMessageId();
    });
  }
}
