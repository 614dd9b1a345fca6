import type { StoredMessage } from '../standins/slackWorkspace';
import { loadStore, type ReceivedMail } from '../standins/smtpServer';

/**
 * What an incident said, as the people paged saw it: its Slack thread, read back from the Slack
 * stand-in (GET /_test/messages), and its mail thread, read from the SMTP stand-in's store file.
 */
export interface IncidentThreads {
  slack?: { channelName: string; header: StoredMessage; replies: StoredMessage[] };
  mails: ReceivedMail[];
}

/** The incident's thread in the Slack stand-in whose slackApiUrl is `apiUrl` (http://host:port/api/). */
export async function readSlackThread(apiUrl: string, thread: { channel: string; ts: string }): Promise<IncidentThreads['slack']> {
  const answer = await fetch(new URL('../_test/messages', apiUrl), { signal: AbortSignal.timeout(10_000) });
  if (!answer.ok) throw new Error(`the Slack stand-in answered GET /_test/messages with HTTP ${answer.status}`);
  const messages = (await answer.json()) as StoredMessage[];
  const header = messages.find((m) => m.channel === thread.channel && m.ts === thread.ts);
  if (!header) return undefined;
  const replies = messages.filter((m) => m.channel === thread.channel && m.thread_ts === thread.ts && m.ts !== thread.ts);
  return { channelName: header.channelName, header, replies };
}

/** The incident's mails (their Message-IDs carry its id), in the order the SMTP stand-in received them. */
export function readMailThread(storeFile: string, incidentId: string): ReceivedMail[] {
  return loadStore(storeFile).filter((m) => (m.headers.messageId ?? '').startsWith(`<${incidentId}.`));
}

/** The mail every other one replies to, when they all do: the thread's root. */
export function mailThreadRoot(mails: ReceivedMail[]): string | undefined {
  const root = mails[0]?.headers.messageId ?? undefined;
  if (!root || mails.slice(1).some((m) => m.headers.inReplyTo !== root)) return undefined;
  return root;
}

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);
const oneLine = (text: string) => text.replace(/\s*\n\s*/g, ' / ');

/** A compact transcript of both threads; times are seconds after `since` (the incident's opening). */
export function renderThreads(threads: IncidentThreads, since: string, where: { slack: string; smtp: string }): string[] {
  const zero = Date.parse(since);
  const at = (ms: number) => `+${((ms - zero) / 1000).toFixed(1)}s`.padStart(7);
  const slackAt = (ts: string) => at(Number(ts) * 1000);
  const lines: string[] = [];
  const s = threads.slack;
  if (!s) {
    lines.push(`  Slack (${where.slack}): no thread found`);
  } else {
    lines.push(`  Slack #${s.channelName}: one thread, ${s.replies.length} replies (read back from ${where.slack})`);
    lines.push(`    ${slackAt(s.header.ts)}  ${clip(oneLine(s.header.text), 110)}`);
    lines.push(`             (the thread's header: a Block Kit card, updated in place ${s.header.updates} time(s) as the incident changed)`);
    for (const r of s.replies) lines.push(`    ${slackAt(r.ts)}    ↳ ${clip(oneLine(r.text), 112)}`);
  }
  const root = mailThreadRoot(threads.mails);
  lines.push(
    threads.mails.length === 0
      ? `  Mail (${where.smtp}): none received`
      : `  Mail: ${threads.mails.length} message(s) ${root ? 'in one thread' : 'NOT in one thread'} (received by ${where.smtp})`,
  );
  threads.mails.forEach((m, i) => {
    lines.push(`    ${at(Date.parse(m.receivedAt))}  ${i + 1}. ${clip(m.headers.subject ?? '(no subject)', 100)}`);
    const thread = m.headers.inReplyTo ? `In-Reply-To ${m.headers.inReplyTo}` : 'the thread root';
    lines.push(`${' '.repeat(16)}to ${m.envelope.to.join(', ')}; Message-ID ${m.headers.messageId}, ${thread}`);
  });
  return lines;
}
