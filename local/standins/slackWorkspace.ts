import { createHash } from 'node:crypto';

/**
 * The in-memory state of the Slack stand-in: channels and the messages posted to them, and the
 * Web API methods Rampart uses, answering as Slack does (`{ok:true,...}` or `{ok:false,error}`).
 * Transport, tokens and fault injection live in slackServer.ts.
 */

export interface StoredMessage {
  /** Channel id (C…). */
  channel: string;
  channelName: string;
  ts: string;
  thread_ts?: string;
  text: string;
  blocks?: unknown[];
  metadata?: { event_type: string; event_payload: Record<string, unknown> };
  user: string;
  bot_id: string;
  /** How many times chat.update changed it. */
  updates: number;
  edited?: { user: string; ts: string };
}

export type SlackArgs = Record<string, unknown>;
export type SlackAnswer = { ok: boolean; error?: string } & Record<string, unknown>;

export const BOT = { user_id: 'U0RAMPART', bot_id: 'B0RAMPART', team_id: 'T0RAMPART', team: 'Rampart', user: 'rampart' } as const;

export const DEFAULT_CHANNELS = ['#incidents', '#rollouts', '#general'];

/** A stable channel id for a name, shaped like Slack's. */
export function channelIdFor(name: string): string {
  return `C${createHash('sha256').update(name.replace(/^#/, '')).digest('hex').slice(0, 9).toUpperCase()}`;
}

const fail = (error: string): SlackAnswer => ({ ok: false, error });

function text(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  return typeof value === 'string' ? value : String(value);
}

function flag(value: unknown): boolean {
  return value === true || value === 'true' || value === '1' || value === 1;
}

/** Slack takes structured arguments as objects (JSON body) or JSON strings (form body). */
function structured(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    return Symbol.for('invalid');
  }
}

function page<T>(items: T[], args: SlackArgs, defaultLimit: number): { items: T[]; next: string } {
  const limit = Math.min(Math.max(Number(text(args.limit) ?? defaultLimit) || defaultLimit, 1), 999);
  const cursor = text(args.cursor);
  const start = cursor ? Number(Buffer.from(cursor, 'base64').toString('utf8').replace(/^offset:/, '')) || 0 : 0;
  const end = start + limit;
  return { items: items.slice(start, end), next: end < items.length ? Buffer.from(`offset:${end}`).toString('base64') : '' };
}

export class SlackWorkspace {
  private readonly channels = new Map<string, { id: string; name: string }>();
  private readonly stored: StoredMessage[] = [];
  private lastMicros = 0;

  constructor(channelNames: string[] = DEFAULT_CHANNELS) {
    for (const raw of channelNames) {
      const name = raw.replace(/^#/, '');
      this.channels.set(channelIdFor(name), { id: channelIdFor(name), name });
    }
  }

  messages(): StoredMessage[] {
    return structuredClone(this.stored);
  }

  call(method: string, args: SlackArgs): SlackAnswer {
    switch (method) {
      case 'auth.test':
        return { ok: true, url: 'https://rampart-standin.slack.com/', ...BOT };
      case 'chat.postMessage':
        return this.postMessage(args);
      case 'chat.update':
        return this.update(args);
      case 'conversations.history':
        return this.history(args);
      case 'conversations.replies':
        return this.replies(args);
      case 'conversations.list':
        return this.list(args);
      default:
        return fail('unknown_method');
    }
  }

  /** Slack's ts: seconds and microseconds, unique and increasing. */
  private nextTs(): string {
    this.lastMicros = Math.max(Date.now() * 1000, this.lastMicros + 1);
    return `${Math.floor(this.lastMicros / 1e6)}.${String(this.lastMicros % 1e6).padStart(6, '0')}`;
  }

  /** A channel by id, "#name" or "name". */
  private channel(value: unknown): { id: string; name: string } | undefined {
    const key = text(value);
    if (!key) return undefined;
    return this.channels.get(key) ?? this.channels.get(channelIdFor(key));
  }

  private find(channel: string, ts: string): StoredMessage | undefined {
    return this.stored.find((m) => m.channel === channel && m.ts === ts);
  }

  private view(m: StoredMessage, withMetadata = true): Record<string, unknown> {
    const replies = this.stored.filter((r) => r.channel === m.channel && r.thread_ts === m.ts && r.ts !== m.ts);
    const { channel: _c, channelName: _n, updates: _u, metadata, ...rest } = m;
    return {
      type: 'message',
      subtype: 'bot_message',
      app_id: 'A0RAMPART',
      team: BOT.team_id,
      ...structuredClone(rest),
      ...(withMetadata && metadata ? { metadata: structuredClone(metadata) } : {}),
      ...(replies.length > 0 ? { thread_ts: m.ts, reply_count: replies.length, latest_reply: replies[replies.length - 1]!.ts } : {}),
    };
  }

  private content(args: SlackArgs): { error: string } | { text: string; blocks?: unknown[]; metadata?: StoredMessage['metadata'] } {
    const body = text(args.text) ?? '';
    let blocks: unknown[] | undefined;
    if (args.blocks !== undefined) {
      const parsed = structured(args.blocks);
      if (!Array.isArray(parsed) || parsed.some((b) => typeof b !== 'object' || b === null || typeof (b as { type?: unknown }).type !== 'string')) {
        return { error: 'invalid_blocks' };
      }
      if (parsed.length > 50) return { error: 'invalid_blocks' };
      blocks = parsed;
    }
    if (!body && !blocks?.length) return { error: 'no_text' };
    if (body.length > 40_000) return { error: 'msg_too_long' };
    let metadata: StoredMessage['metadata'];
    if (args.metadata !== undefined) {
      const parsed = structured(args.metadata) as { event_type?: unknown; event_payload?: unknown };
      if (typeof parsed !== 'object' || parsed === null || typeof parsed.event_type !== 'string' || typeof parsed.event_payload !== 'object' || parsed.event_payload === null) {
        return { error: 'invalid_metadata_format' };
      }
      metadata = { event_type: parsed.event_type, event_payload: parsed.event_payload as Record<string, unknown> };
    }
    return { text: body, ...(blocks ? { blocks } : {}), ...(metadata ? { metadata } : {}) };
  }

  private postMessage(args: SlackArgs): SlackAnswer {
    const channel = this.channel(args.channel);
    if (!channel) return fail('channel_not_found');
    const content = this.content(args);
    if ('error' in content) return fail(content.error);
    const threadTs = text(args.thread_ts);
    if (threadTs) {
      const parent = this.find(channel.id, threadTs);
      if (!parent) return fail('thread_not_found');
    }
    const message: StoredMessage = {
      channel: channel.id,
      channelName: channel.name,
      ts: this.nextTs(),
      ...(threadTs ? { thread_ts: this.find(channel.id, threadTs)!.thread_ts ?? threadTs } : {}),
      ...content,
      user: BOT.user_id,
      bot_id: BOT.bot_id,
      updates: 0,
    };
    this.stored.push(message);
    return { ok: true, channel: channel.id, ts: message.ts, message: this.view(message) };
  }

  private update(args: SlackArgs): SlackAnswer {
    const channel = this.channel(args.channel);
    if (!channel) return fail('channel_not_found');
    const message = this.find(channel.id, text(args.ts) ?? '');
    if (!message) return fail('message_not_found');
    const content = this.content({ text: args.text ?? message.text, blocks: args.blocks ?? message.blocks, metadata: args.metadata ?? message.metadata });
    if ('error' in content) return fail(content.error);
    Object.assign(message, content);
    message.updates += 1;
    message.edited = { user: BOT.user_id, ts: this.nextTs() };
    return { ok: true, channel: channel.id, ts: message.ts, text: message.text, message: this.view(message) };
  }

  private history(args: SlackArgs): SlackAnswer {
    const channel = this.channel(args.channel);
    if (!channel || !(text(args.channel) ?? '').match(/^[CGD]/)) return fail('channel_not_found'); // ids only, as Slack
    const oldest = Number(text(args.oldest) ?? 0);
    const latest = Number(text(args.latest) ?? Infinity);
    const inclusive = flag(args.inclusive);
    const inRange = (ts: number) => (inclusive ? ts >= oldest && ts <= latest : ts > oldest && ts < latest);
    const top = this.stored
      .filter((m) => m.channel === channel.id && (!m.thread_ts || m.thread_ts === m.ts) && inRange(Number(m.ts)))
      .reverse(); // newest first
    return this.messagePage(top, args, 100);
  }

  private replies(args: SlackArgs): SlackAnswer {
    const channel = this.channel(args.channel);
    if (!channel || !(text(args.channel) ?? '').match(/^[CGD]/)) return fail('channel_not_found');
    const parent = this.find(channel.id, text(args.ts) ?? '');
    if (!parent) return fail('thread_not_found');
    const root = parent.thread_ts ? this.find(channel.id, parent.thread_ts) ?? parent : parent;
    const thread = [root, ...this.stored.filter((m) => m.channel === channel.id && m.thread_ts === root.ts && m.ts !== root.ts)];
    return this.messagePage(thread, args, 1000);
  }

  /** One page of messages as conversations.history and conversations.replies answer it. */
  private messagePage(messages: StoredMessage[], args: SlackArgs, defaultLimit: number): SlackAnswer {
    const { items, next } = page(messages, args, defaultLimit);
    return {
      ok: true,
      messages: items.map((m) => this.view(m, flag(args.include_all_metadata))),
      has_more: next !== '',
      response_metadata: { next_cursor: next },
    };
  }

  private list(args: SlackArgs): SlackAnswer {
    const all = [...this.channels.values()].map((c) => ({ id: c.id, name: c.name, is_channel: true, is_private: false, is_archived: false, is_member: true }));
    const { items, next } = page(all, args, 100);
    return { ok: true, channels: items, response_metadata: { next_cursor: next } };
  }
}
