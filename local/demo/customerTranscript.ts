import type { RolloutStatus } from '../../domain/rolloutStatus';
import { noticeMessageId } from '../../activities/customerNotify/emailNotice';
import { loadStore } from '../standins/smtpServer';

/**
 * What a rollout's customers were told, as they saw it: each customer's place in the rollout and
 * the mails the SMTP stand-in received for them (found by the Message-IDs of their notices).
 */
export function customerTranscript(status: RolloutStatus, storeFile: string): { lines: string[]; mails: number; duplicates: number } {
  const keys = new Set((status.customers ?? []).flatMap((c) => c.notices.map((n) => noticeMessageId(n.key))));
  const mails = loadStore(storeFile).filter((m) => keys.has(m.headers.messageId ?? ''));
  const ids = mails.map((m) => m.headers.messageId);
  const lines: string[] = [];
  for (const c of status.customers ?? []) {
    const own = new Set(c.notices.map((n) => noticeMessageId(n.key)));
    const to = mails.filter((m) => own.has(m.headers.messageId ?? ''));
    lines.push(`  ${c.name} (${c.channel}, ${c.timeZone}): ${c.state}${c.step ? ` in ${c.step}` : ''}${c.window ? `, window ${c.window.label}` : ''}`);
    for (const n of c.notices) lines.push(`      ${n.kind.padEnd(17)} ${n.outcome}${n.channels ? ` (${n.channels.join(', ')})` : ''}${n.reason ? `: ${n.reason}` : ''}`);
    for (const m of to) lines.push(`      mail: "${m.headers.subject}"`);
  }
  return { lines, mails: mails.length, duplicates: ids.length - new Set(ids).size };
}
