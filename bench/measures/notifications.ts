import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { LEDGER_FILE } from '../../activities/notify/sentLedger';
import { startSlackServer, type SlackStandin } from '../../local/standins/slackServer';
import { startSmtpServer, type SmtpStandin } from '../../local/standins/smtpServer';
import type { BenchContext } from '../harness/benchContext';
import { notifyBatchWorkflow, type NotifyBatchInput, type NotifyBatchResult } from './notifyWorkflow';
import { ms } from '../harness/stats';

export const NOTIFY_QUEUE = 'bench-notify';

export interface NotificationOptions {
  /** Each incident is one Slack post and one mail. */
  incidents: number;
  /** Batch workflows run at once; their lanes together are the parallelism. */
  workflows: number;
  lanesPerWorkflow: number;
  /** The Slack stand-in answers this many calls with 429 once half the posts are in. */
  rateLimitBurst: number;
  retryAfterSeconds: number;
}

/** The notify worker (bench/measures/notifyWorkflow.ts on NOTIFY_QUEUE), started for this measurement only. */
export type StartNotifyWorker = () => Promise<{ bundleMs: number; stop: () => Promise<void> }>;

/** The environment the notify worker's activities are configured from when it starts (worker/config.ts); set for the measurement, restored after. */
const ENV_KEYS = ['RAMPART_STATE_DIR', 'SLACK_BOT_TOKEN', 'SLACK_API_URL', 'SMTP_URL', 'MAIL_FROM'] as const;

interface Tally {
  slack: number;
  email: number;
  total: number;
}

/** Messages per key in the stand-ins: how many were delivered, and how many beyond one per key. */
function tally(slack: SlackStandin, smtp: SmtpStandin) {
  const slackKeys = new Map<string, number>();
  let slackWithoutKey = 0;
  for (const m of slack.messages()) {
    const key = m.metadata?.event_payload.key;
    if (typeof key !== 'string') slackWithoutKey++;
    else slackKeys.set(key, (slackKeys.get(key) ?? 0) + 1);
  }
  const mailKeys = new Map<string, number>();
  let mailWithoutKey = 0;
  for (const m of smtp.messages()) {
    const key = m.headers.messageId;
    if (!key) mailWithoutKey++;
    else mailKeys.set(key, (mailKeys.get(key) ?? 0) + 1);
  }
  const extra = (keys: Map<string, number>) => [...keys.values()].reduce((sum, n) => sum + Math.max(0, n - 1), 0);
  const sum = (keys: Map<string, number>) => [...keys.values()].reduce((a, b) => a + b, 0);
  const slackCount = sum(slackKeys) + slackWithoutKey;
  const emailCount = sum(mailKeys) + mailWithoutKey;
  return {
    delivered: { slack: slackCount, email: emailCount, total: slackCount + emailCount } satisfies Tally,
    /** Messages beyond the first carrying the same key. */
    duplicates: { slack: extra(slackKeys), email: extra(mailKeys) },
    withoutKey: { slack: slackWithoutKey, email: mailWithoutKey },
    slackKeys,
    mailKeys,
  };
}

/** Ledger events per channel: begins beyond one per key are attempts Temporal retried. */
function ledgerEvents(stateDir: string) {
  const counts = { slack: {} as Record<string, number>, email: {} as Record<string, number> };
  const text = readFileSync(path.join(stateDir, LEDGER_FILE), 'utf8');
  for (const raw of text.split('\n')) {
    if (!raw.trim()) continue;
    const line = JSON.parse(raw) as { key: string; event: string };
    const side = line.key.startsWith('slack:') ? counts.slack : line.key.startsWith('email:') ? counts.email : undefined;
    if (side) side[line.event] = (side[line.event] ?? 0) + 1;
  }
  return counts;
}

/**
 * Incident notifications through Temporal to the local Slack and SMTP stand-ins: `workflows`
 * batch workflows (bench/measures/notifyWorkflow.ts) of `lanesPerWorkflow` lanes each run the real notify
 * activities on a Rampart worker, with a fresh ledger (RAMPART_STATE_DIR in a temp folder). Once
 * half the Slack posts are in, the Slack stand-in answers the next `rateLimitBurst` calls with 429
 * and Retry-After, so Temporal's retries happen mid-run. Then the stand-ins are counted per key
 * (Slack: metadata event_payload.key; mail: Message-ID), the whole batch is run again with the same
 * keys, and counted again: the ledger must hold back every second send.
 */
export async function measureNotifications(ctx: BenchContext, startNotifyWorker: StartNotifyWorker, stateDir: string, options: NotificationOptions) {
  const token = `xoxb-bench-${randomBytes(12).toString('hex')}`;
  const saved = Object.fromEntries(ENV_KEYS.map((key) => [key, process.env[key]]));
  let slack: SlackStandin | undefined;
  let smtp: SmtpStandin | undefined;
  let stopWorker: (() => Promise<void>) | undefined;
  try {
    slack = await startSlackServer({ tokens: [token] });
    smtp = await startSmtpServer();
    Object.assign(process.env, {
      RAMPART_STATE_DIR: stateDir,
      SLACK_BOT_TOKEN: token,
      SLACK_API_URL: slack.url,
      SMTP_URL: smtp.url,
      MAIL_FROM: 'rampart-bench@localhost',
    });
    ctx.log(`notifications: Slack stand-in ${slack.url}, SMTP stand-in ${smtp.url}, ledger in ${stateDir}`);
    const worker = await startNotifyWorker();
    stopWorker = worker.stop;

    const label = `bench-${randomBytes(4).toString('hex')}`;
    const perWorkflow = Math.ceil(options.incidents / options.workflows);
    const batches: NotifyBatchInput[] = Array.from({ length: options.workflows }, (_, i) => ({
      label,
      first: i * perWorkflow,
      count: Math.max(0, Math.min(perWorkflow, options.incidents - i * perWorkflow)),
      parallel: options.lanesPerWorkflow,
      channel: '#incidents',
      to: ['oncall@example.com'],
      openedAt: new Date().toISOString(),
    }));
    const runBatches = async (suffix: string): Promise<{ wallMs: number; sent: NotifyBatchResult }> => {
      ctx.assertWorkersRunning();
      const started = performance.now();
      const handles = await Promise.all(
        batches.map((args, i) =>
          ctx.client.workflow.start(notifyBatchWorkflow, { taskQueue: NOTIFY_QUEUE, workflowId: `${label}-${suffix}-${i}`, args: [args] }),
        ),
      );
      const results = await ctx.until(Promise.all(handles.map((h) => h.result())));
      const wallMs = performance.now() - started;
      return { wallMs, sent: results.reduce((a, r) => ({ slack: a.slack + r.slack, email: a.email + r.email }), { slack: 0, email: 0 }) };
    };

    // First run, with a 429 burst from Slack once half the posts are in.
    const slackStandin = slack;
    let running = true;
    let injectedAfterPosts: number | null = null;
    const burst = (async () => {
      while (running && !ctx.signal.aborted) {
        const posts = slackStandin.calls().filter((c) => c.method === 'chat.postMessage' && c.status === 200).length;
        if (posts >= options.incidents / 2) {
          slackStandin.rateLimitNext(options.rateLimitBurst, options.retryAfterSeconds);
          injectedAfterPosts = posts;
          ctx.log(`notifications: ${posts} Slack posts in; the next ${options.rateLimitBurst} Slack calls get 429, Retry-After ${options.retryAfterSeconds} s`);
          return;
        }
        await delay(50);
      }
    })();
    ctx.log(`notifications: ${options.incidents} incidents (a Slack post and a mail each) in ${options.workflows} workflows x ${options.lanesPerWorkflow} lanes`);
    let first: Awaited<ReturnType<typeof runBatches>>;
    try {
      first = await runBatches('run');
    } finally {
      running = false;
      await burst;
    }
    const afterFirst = tally(slack, smtp);
    const calls = slack.calls();
    const slack429s = calls.filter((c) => c.status === 429).length;
    const slackApiCallsAfterFirst = calls.length;
    ctx.log(`notifications: ${afterFirst.delivered.total} delivered in ${ms(first.wallMs)} ms (${slack429s} Slack 429s on the way)`);

    // The same batch again, same keys: nothing may go out.
    const replay = await runBatches('replay');
    const afterReplay = tally(slack, smtp);
    const slackApiCallsInReplay = slack.calls().length - slackApiCallsAfterFirst;
    ctx.log(`notifications: replay of the same keys took ${ms(replay.wallMs)} ms; ${afterReplay.delivered.total - afterFirst.delivered.total} new deliveries`);

    const expected = { slack: options.incidents, email: options.incidents };
    const missing = {
      slack: batches.reduce((n, b) => n + Array.from({ length: b.count }, (_, j) => `${label}-inc-${b.first + j}/slack/header`).filter((k) => !afterReplay.slackKeys.has(k)).length, 0),
      email: batches.reduce((n, b) => n + Array.from({ length: b.count }, (_, j) => `<${label}-inc-${b.first + j}.opened@rampart>`).filter((k) => !afterReplay.mailKeys.has(k)).length, 0),
    };
    const duplicateNotifications = afterReplay.duplicates.slack + afterReplay.duplicates.email;
    const events = ledgerEvents(stateDir);
    const retried = (side: Record<string, number>, keys: number) => Math.max(0, (side.begin ?? 0) - keys);
    const total = expected.slack + expected.email;

    return {
      notificationsPerSecond: Math.round((afterFirst.delivered.total / (first.wallMs / 1000)) * 10) / 10,
      duplicateNotifications,
      details: {
        expected: { ...expected, total },
        delivered: afterFirst.delivered,
        deliveredAfterReplay: afterReplay.delivered,
        replayDeliveredNothingNew: afterReplay.delivered.total === afterFirst.delivered.total && slackApiCallsInReplay === 0,
        slackApiCallsInReplay,
        duplicates: afterReplay.duplicates,
        missing,
        withoutKey: afterReplay.withoutKey,
        /** What the workflows said they sent (a replay reports the recorded results too). */
        workflowResults: { run: first.sent, replay: replay.sent },
        wallMs: ms(first.wallMs),
        replayWallMs: ms(replay.wallMs),
        rateLimit: {
          burstCalls: options.rateLimitBurst,
          retryAfterSeconds: options.retryAfterSeconds,
          injectedAfterSlackPosts: injectedAfterPosts,
          slack429Responses: slack429s,
        },
        /** Attempts beyond the first per key (ledger begins minus keys): retries Temporal ran. */
        retriedAttempts: { slack: retried(events.slack, expected.slack), email: retried(events.email, expected.email) },
        ledgerEvents: events,
        notifyBundleMs: worker.bundleMs,
      },
      method:
        `${options.incidents} incidents x (1 Slack chat.postMessage with the incident's blocks + 1 opening mail) = ${total} notifications, each counted once; ` +
        `${options.workflows} notifyBatchWorkflow runs (bench/measures/notifyWorkflow.ts, workflows/notifyActivities.ts options) x ${options.lanesPerWorkflow} lanes = ` +
        `${options.workflows * options.lanesPerWorkflow} notify activities in flight, on a Rampart worker (createRampartWorker) in the bench process; ` +
        `Slack and SMTP stand-ins (local/standins) in the same process, nodemailer's pool of 2 SMTP connections, a fresh file ledger; ` +
        `${options.rateLimitBurst} Slack 429s (Retry-After ${options.retryAfterSeconds} s) injected once half the posts were in; ` +
        `rate = notifications delivered / wall time from the first start call to the last result; then the same ${options.workflows} batches replayed with the same keys; ` +
        `duplicates = messages beyond the first per key (Slack metadata event_payload.key, mail Message-ID) after both runs`,
    };
  } finally {
    // On Ctrl-C the dev server is gone: BenchStack.close stops the worker with a short bound instead.
    if (stopWorker && !ctx.signal.aborted) await stopWorker().catch((error: Error) => ctx.log(`could not stop the notify worker: ${error.message}`));
    // The worker's pooled SMTP connections end with the stand-in, which closes them.
    await slack?.close();
    await smtp?.close();
    for (const key of ENV_KEYS) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
  }
}
