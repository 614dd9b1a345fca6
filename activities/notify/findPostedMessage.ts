import type { WebClient } from '@slack/web-api';

/** The Slack message metadata event Rampart stamps on every post, with the post's key in its payload. */
export const NOTICE_EVENT_TYPE = 'rampart_notice';

export function noticeMetadata(metadataKey: string): { event_type: string; event_payload: { key: string } } {
  return { event_type: NOTICE_EVENT_TYPE, event_payload: { key: metadataKey } };
}

interface Found {
  channel: string;
  ts: string;
}

interface ListedMessage {
  ts?: string;
  metadata?: { event_type?: string; event_payload?: Record<string, unknown> };
}

const PAGE_SIZE = 200;
const MAX_PAGES = 25;
/** How far before the first attempt to look, for clocks that disagree. */
const CLOCK_MARGIN_S = 300;

/**
 * Finds a message an earlier attempt posted (our key in its metadata): in the thread through
 * conversations.replies, or at the top of the channel through conversations.history since the
 * first attempt began. Slack's history can lag a write by a moment; a post made by an attempt
 * that crashed a long time ago is always found.
 */
export async function findPostedMessage(
  client: WebClient,
  args: { channel: string; threadTs?: string; metadataKey: string; since: string | null },
): Promise<Found | undefined> {
  const channel = await resolveChannelId(client, args.channel);
  if (!channel) return undefined;
  const ours = (m: ListedMessage) => m.metadata?.event_type === NOTICE_EVENT_TYPE && m.metadata.event_payload?.key === args.metadataKey;
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const result = args.threadTs
      ? await client.conversations.replies({ channel, ts: args.threadTs, include_all_metadata: true, limit: PAGE_SIZE, cursor })
      : await client.conversations.history({ channel, include_all_metadata: true, limit: PAGE_SIZE, cursor, ...oldest(args.since) });
    const hit = ((result.messages ?? []) as ListedMessage[]).find(ours);
    if (hit?.ts) return { channel, ts: hit.ts };
    cursor = result.response_metadata?.next_cursor || undefined;
    if (!result.has_more || !cursor) return undefined;
  }
  return undefined;
}

function oldest(since: string | null): { oldest?: string } {
  const ms = since ? Date.parse(since) : NaN;
  return Number.isFinite(ms) ? { oldest: (Math.floor(ms / 1000) - CLOCK_MARGIN_S).toFixed(6) } : {};
}

const CHANNEL_ID = /^[CGD][A-Z0-9]{2,}$/;

/** A channel id as is; a "#name" (or "name") looked up with conversations.list. */
async function resolveChannelId(client: WebClient, channel: string): Promise<string | undefined> {
  if (CHANNEL_ID.test(channel)) return channel;
  const name = channel.replace(/^#/, '');
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const result = await client.conversations.list({ types: 'public_channel,private_channel', exclude_archived: true, limit: PAGE_SIZE, cursor });
    const hit = (result.channels ?? []).find((c) => c.name === name);
    if (hit?.id) return hit.id;
    cursor = result.response_metadata?.next_cursor || undefined;
    if (!cursor) return undefined;
  }
  return undefined;
}
