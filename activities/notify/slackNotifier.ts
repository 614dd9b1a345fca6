import type { ChatPostMessageArguments, KnownBlock } from '@slack/web-api';
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import { describeErrors, parseInput } from '../../domain/issues';
import { findPostedMessage, noticeMetadata } from './findPostedMessage';
import { sendOnce } from './sendOnce';
import type { SentLedger } from './sentLedger';
import type { SlackClientSource } from './slackClient';
import { slackFailure, slackSentNothing } from './slackFailures';

const slackTs = z.string().regex(/^\d+\.\d+$/, 'expected a Slack message ts such as "1700000000.000100"');
const blocksSchema = z.array(z.looseObject({ type: z.string().min(1) }), { error: 'expected an array of Block Kit blocks' }).max(50);

const postSchema = z.object({
  key: z.string().min(1).max(500),
  channel: z.string().min(1).max(100),
  threadTs: slackTs.optional(),
  text: z.string().min(1).max(40_000),
  blocks: blocksSchema.optional(),
  /** The value stamped on the message's metadata to find it again; default `key`. */
  metadataKey: z.string().min(1).max(500).optional(),
});

const updateSchema = z.object({
  key: z.string().min(1).max(500),
  channel: z.string().min(1).max(100),
  ts: slackTs,
  text: z.string().min(1).max(40_000),
  blocks: blocksSchema.optional(),
});

export interface PostSlackMessageInput {
  /** Idempotency key: one post per key, ever. */
  key: string;
  /** Channel id (C…) or "#name". */
  channel: string;
  /** Reply in this thread. */
  threadTs?: string;
  /** Fallback and notification text. */
  text: string;
  /** Block Kit blocks (see incidentBlocks). */
  blocks?: unknown[];
  /** Stamped on the message's metadata to find it again after a crash; default `key`. */
  metadataKey?: string;
}

export interface UpdateSlackMessageInput {
  key: string;
  channel: string;
  ts: string;
  text: string;
  blocks?: unknown[];
}
export interface SlackMessageRef {
  channel: string;
  ts: string;
}

function parsed<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const result = parseInput(schema, input);
  if (!result.ok) throw ApplicationFailure.nonRetryable(`invalid ${what}: ${describeErrors(result.errors)}`, 'InvalidInput');
  return result.value;
}

export interface SlackDependencies {
  slack: SlackClientSource;
  ledger: SentLedger;
}

/** The Slack activities, posting with the worker's client and recording in its ledger. */
export function slackActivities({ slack, ledger }: SlackDependencies) {
  return {
    /**
     * Posts a message (a thread reply with `threadTs`) exactly once per `key`. The message carries the
     * key in its metadata, so an attempt that crashed after Slack accepted the post is found again
     * instead of posted twice.
     */
    async postSlackMessage(input: PostSlackMessageInput): Promise<SlackMessageRef> {
      const args = parsed(postSchema, input, 'postSlackMessage input');
      const client = slack();
      const metadataKey = args.metadataKey ?? args.key;
      const message = {
        channel: args.channel,
        text: args.text,
        ...(args.threadTs ? { thread_ts: args.threadTs } : {}),
        ...(args.blocks ? { blocks: args.blocks as unknown as KnownBlock[] } : {}),
        metadata: noticeMetadata(metadataKey),
        unfurl_links: false,
        unfurl_media: false,
      } as ChatPostMessageArguments;
      let step = 'chat.postMessage';
      try {
        const { result } = await sendOnce<SlackMessageRef>({
          key: `slack:${args.key}`,
          ledger,
          recover: (entry) => {
            step = args.threadTs ? 'conversations.replies' : 'conversations.history';
            return findPostedMessage(client, { channel: args.channel, threadTs: args.threadTs, metadataKey, since: entry.firstBeganAt });
          },
          send: async () => {
            step = 'chat.postMessage';
            const posted = await client.chat.postMessage(message);
            return { channel: posted.channel ?? args.channel, ts: posted.ts! };
          },
          sentNothing: slackSentNothing,
        });
        return result;
      } catch (err) {
        throw slackFailure(step, err);
      }
    },

    /** Edits a message in place. chat.update sets the same content however often it runs: idempotent as is. */
    async updateSlackMessage(input: UpdateSlackMessageInput): Promise<SlackMessageRef> {
      const args = parsed(updateSchema, input, 'updateSlackMessage input');
      const client = slack();
      try {
        const updated = await client.chat.update({
          channel: args.channel,
          ts: args.ts,
          text: args.text,
          ...(args.blocks ? { blocks: args.blocks as unknown as KnownBlock[] } : {}),
        });
        return { channel: updated.channel ?? args.channel, ts: updated.ts ?? args.ts };
      } catch (err) {
        throw slackFailure('chat.update', err);
      }
    },
  };
}
