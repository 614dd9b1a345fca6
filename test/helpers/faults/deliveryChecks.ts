import { noticeMessageId } from '../../../activities/customerNotify/emailNotice';
import type { NoticeKind } from '../../../domain/customerNotice';
import type { CustomerRolloutStatus } from '../../../domain/customerRolloutStatus';
import type { RoundResult } from './campaignRound';
import type { Evidence } from './evidence';
import type { InterruptedSend } from './interruptedSends';

/**
 * Nothing delivered twice, nothing lost, judged from what the stand-ins received: Slack messages
 * by the key each carries in its metadata, mails by Message-ID, customer webhooks by
 * Idempotency-Key (every request counted, replays included), repeats judged by
 * repeatedDeliveries. Then each round: every notice a
 * rollout records as sent arrived once on each of its channels, the customers heard what their
 * rollout owed them, and the incident's thread and pages are there, each once.
 * Returns one sentence per violation.
 */
export function checkDeliveries(results: RoundResult[], evidence: Evidence): string[] {
  const violations: string[] = [];
  const slackByKey = countBy(evidence.slack.map((m) => metadataKey(m.metadata)).filter((k): k is string => k !== undefined));
  const mailsById = countBy(evidence.mails.map((m) => m.headers.messageId ?? '(no Message-ID)'));
  const webhooksByKey = countBy(evidence.webhooks.filter((d) => d.accepted).map((d) => d.key ?? '(no Idempotency-Key)'));
  for (const [key, n] of slackByKey) if (n > 1) violations.push(`Slack message ${key} was posted ${n} times`);
  violations.push(...repeatedDeliveries(evidence).unexplained);
  const refused = evidence.webhooks.filter((d) => !d.accepted);
  if (refused.length > 0) violations.push(`${refused.length} customer webhook(s) refused by the receiver: ${refused.map((d) => `${d.key}: ${d.refused}`).join('; ')}`);

  const sentKeys = new Set<string>();
  for (const result of results) {
    for (const status of [result.good, result.bad]) {
      for (const c of status.customers ?? []) {
        for (const notice of c.notices.filter((n) => n.outcome === 'sent')) {
          sentKeys.add(notice.key);
          for (const channel of notice.channels ?? []) {
            const arrived = channel === 'email' ? mailsById.get(noticeMessageId(notice.key)) : channel === 'slack' ? slackByKey.get(`${notice.key}/slack`) : webhooksByKey.get(notice.key);
            if (!arrived) violations.push(`${status.rolloutId} records notice ${notice.key} as sent by ${channel}, but the ${channel} stand-in never got it`);
          }
        }
      }
    }
    violations.push(...owedNotices(result));
    violations.push(...incidentDeliveries(result.incident.incidentId, slackByKey, mailsById));
  }

  // The other way round: whatever a customer received, a rollout knows it sent.
  const unaccounted = [
    ...evidence.mails.map((m) => m.headers.messageId ?? '').filter((id) => id.endsWith('@rampart.notice>') && ![...sentKeys].some((k) => noticeMessageId(k) === id)),
    ...evidence.webhooks.filter((d) => d.accepted && !sentKeys.has(d.key ?? '')).map((d) => `webhook ${d.key}`),
    ...[...slackByKey.keys()].filter((k) => k.endsWith('/slack') && !k.startsWith('inc-') && !sentKeys.has(k.slice(0, -'/slack'.length))).map((k) => `Slack ${k}`),
  ];
  for (const what of unaccounted) violations.push(`${what} reached a customer, but no rollout records it as sent`);
  return violations;
}

/** Good rollout: told before and after, once each. Bad one: the canary's customer hears of the incident and its end; nobody else does. */
function owedNotices(result: RoundResult): string[] {
  const violations: string[] = [];
  const sent = (c: CustomerRolloutStatus, kind: NoticeKind) => c.notices.filter((n) => n.kind === kind && n.outcome === 'sent').length;
  for (const c of result.good.customers ?? []) {
    for (const kind of ['pre-deployment', 'post-deployment'] as const) {
      if (sent(c, kind) !== 1) violations.push(`${result.good.rolloutId}: ${c.id} was sent ${sent(c, kind)} ${kind} notice(s), expected 1`);
    }
  }
  const canary = result.bad.steps.find((s) => s.name === 'canary')?.targets ?? [];
  for (const c of result.bad.customers ?? []) {
    const affected = c.targets.some((t) => canary.includes(t));
    for (const kind of ['incident', 'incident-resolved'] as const) {
      const n = sent(c, kind);
      if (affected ? n !== 1 : n !== 0) violations.push(`${result.bad.rolloutId}: ${c.id} (${affected ? 'in' : 'not in'} the canary) was sent ${n} ${kind} notice(s), expected ${affected ? 1 : 0}`);
    }
  }
  return violations;
}

/** The incident's Slack thread, both pages and both paging mails, each there (repeats are judged above). */
function incidentDeliveries(incidentId: string, slackByKey: Map<string, number>, mailsById: Map<string, number>): string[] {
  const expected: [string, Map<string, number>, string][] = [
    [`${incidentId}/slack/header`, slackByKey, 'Slack thread'],
    [`${incidentId}/slack/page-1-0`, slackByKey, 'Slack page of on-call'],
    [`${incidentId}/slack/page-1-1`, slackByKey, 'Slack page of senior'],
    [`<${incidentId}.opened@rampart>`, mailsById, 'paging mail to on-call'],
    [`<${incidentId}.page-1-1@rampart>`, mailsById, 'paging mail to senior'],
  ];
  return expected.flatMap(([key, seen, what]) => (seen.has(key) ? [] : [`${incidentId}: ${what} (${key}) never arrived`]));
}

function metadataKey(metadata: { event_payload: Record<string, unknown> } | undefined): string | undefined {
  const key = metadata?.event_payload.key;
  return typeof key === 'string' ? key : undefined;
}

function countBy(values: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return counts;
}

/**
 * Mails and customer webhooks that arrived more than once. SMTP and a webhook endpoint cannot be
 * asked what they received, so a worker SIGKILLed after the other side took a send but before the
 * ledger's `done` row sends it again on retry, the same mail (Message-ID, subject, recipients) or
 * the same request (Idempotency-Key, body): README, Notices. Such a repeat is `explained` only when
 * the ledger shows as many interrupted attempts of its key (interruptedSends.ts) as there are
 * repeats, each with a worker kill between the attempt's begin and its retry's. Any other repeat,
 * or one whose copies differ, is `unexplained`: a real duplicate.
 */
export function repeatedDeliveries(evidence: Evidence): { explained: string[]; unexplained: string[] } {
  const explained: string[] = [];
  const unexplained: string[] = [];
  const judge = (what: string, copies: string[], interrupted: InterruptedSend[]) => {
    const n = copies.length;
    if (n < 2) return;
    const distinct = new Set(copies).size;
    const killed = interrupted.filter((send) => evidence.killedAt.some((at) => at >= send.beganAt && at <= send.retriedAt)).length;
    if (distinct > 1) unexplained.push(`${what} was delivered ${n} times with ${distinct} different contents`);
    else if (killed < n - 1) unexplained.push(`${what} was delivered ${n} times, ${killed} of the repeats after a worker killed mid-send`);
    else explained.push(`${what} sent again after a worker was killed mid-send`);
  };
  const mailIds = new Set(evidence.mails.map((m) => m.headers.messageId ?? '(no Message-ID)'));
  for (const id of mailIds) {
    const copies = evidence.mails.filter((m) => (m.headers.messageId ?? '(no Message-ID)') === id).map((m) => JSON.stringify([m.headers.subject, [...m.envelope.to].sort()]));
    judge(`mail ${id}`, copies, evidence.interruptedSends.filter((s) => s.key.startsWith('email:') && s.messageId === id));
  }
  const accepted = evidence.webhooks.filter((d) => d.accepted);
  for (const key of new Set(accepted.map((d) => d.key ?? '(no Idempotency-Key)'))) {
    const copies = accepted.filter((d) => (d.key ?? '(no Idempotency-Key)') === key).map((d) => JSON.stringify(d.body));
    judge(`customer webhook ${key}`, copies, evidence.interruptedSends.filter((s) => s.key === `webhook:${key}/webhook`));
  }
  return { explained, unexplained };
}
