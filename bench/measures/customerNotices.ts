/**
 * Customer notices at fleet scale: one pre-deployment notice to each of `customers` customers
 * through the real delivery activity (deliverCustomerNotice: argument check, recorded decision,
 * rendering, mail through nodemailer's pooled transport, signed webhook), called directly with
 * bounded concurrency, as a worker's activity slots would run it. The SMTP stand-in and a webhook
 * receiver that checks each signature run in this process, with a fresh state folder. Then the same
 * notices are delivered a second time, as a retry storm would: nothing new may arrive.
 *
 * Standalone: `npx tsx bench/measures/customerNotices.ts [customers] [concurrency]` prints the JSON.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createActivities } from '../../activities';
import { noticeMessageId } from '../../activities/customerNotify/emailNotice';
import { verifyWebhookSignature } from '../../contract/webhookSignature';
import { MailTransport } from '../../activities/notify/mailTransport';
import { startSmtpServer } from '../../local/standins/smtpServer';
import { noticeKey, type CustomerNotice, type NoticeOutcome } from '../../domain/customerNotice';
import type { Customer } from '../../domain/customers';
import { ms } from '../harness/stats';

export interface CustomerNoticeOptions {
  customers: number;
  /** Deliveries in flight at once. */
  concurrency: number;
  /** Each customer also has a signed webhook, besides email. */
  webhook: boolean;
}

interface Progress {
  log: (message: string) => void;
  signal?: AbortSignal;
}

const SECRET_ENV = 'RAMPART_BENCH_WEBHOOK_SECRET';
const ZONES = ['Europe/Berlin', 'America/New_York', 'Asia/Tokyo', 'Australia/Sydney', 'UTC'];

/** A receiver that counts accepted notices per Idempotency-Key and refuses a bad signature with 401. */
async function startWebhookCounter(secret: string) {
  const perKey = new Map<string, number>();
  let badSignatures = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const check = verifyWebhookSignature({
        secret,
        timestamp: req.headers['x-rampart-timestamp'] as string | undefined,
        signature: req.headers['x-rampart-signature'] as string | undefined,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      if (!check.ok) {
        badSignatures++;
        res.writeHead(401).end();
        return;
      }
      const key = String(req.headers['idempotency-key']);
      perKey.set(key, (perKey.get(key) ?? 0) + 1);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"received":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/notices`,
    perKey,
    badSignatures: () => badSignatures,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function benchCustomer(i: number, webhookUrl: string | undefined): Customer {
  const id = `bench-customer-${i}`;
  return {
    id,
    name: `Customer ${i}`,
    targets: [`bench-target-${i}`],
    contacts: { emails: [`ops@${id}.example`], ...(webhookUrl ? { webhook: { url: webhookUrl, secretEnv: SECRET_ENV } } : {}) },
    channel: 'stable',
    timeZone: ZONES[i % ZONES.length]!,
    maintenanceWindows: [{ day: 'tue', start: '02:00', duration: 3 * 3_600_000 }],
    maxDeferral: 7 * 86_400_000,
    pinToPrevious: false,
    optOut: [],
    routineNoticesPerWeek: 3,
  };
}

function preDeploymentNotice(rolloutId: string, customer: Customer): CustomerNotice {
  return {
    key: noticeKey(rolloutId, customer.id, 'pre-deployment', 1),
    rolloutId,
    kind: 'pre-deployment',
    category: 'pre-deployment',
    createdAt: new Date().toISOString(),
    facts: {
      release: '2.4.0',
      fromVersion: '2.3.1',
      component: 'Rampart bench service',
      releaseNotes: 'Faster start-up.\nFixes a rare timeout on large uploads.',
      security: false,
      window: { opensAt: '2026-11-24T01:00:00Z', closesAt: '2026-11-24T04:00:00Z', label: 'Tue 24 Nov 02:00–05:00 CET' },
      expectedImpact: 'Services restart one at a time; requests in flight are retried.',
      expectedDowntime: 'none expected',
      howToDefer: 'Choose "Defer" on the status portal.',
      deferUntilLatest: '2026-11-30T08:00:00Z',
      portalUrl: 'https://status.example.com/',
    },
  };
}

/** Runs `work` over `items`, `concurrency` at a time; stops taking new items on abort. */
async function eachBounded<T, R>(items: T[], concurrency: number, work: (item: T) => Promise<R>, signal?: AbortSignal): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      signal?.throwIfAborted();
      const i = next++;
      results[i] = await work(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, lane));
  return results;
}

function countOutcomes(outcomes: NoticeOutcome[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const o of outcomes) counts[o.outcome] = (counts[o.outcome] ?? 0) + 1;
  return counts;
}

export async function measureCustomerNotices(progress: Progress, stateDir: string, options: CustomerNoticeOptions) {
  const { log, signal } = progress;
  const secret = randomBytes(24).toString('hex');
  const smtp = await startSmtpServer();
  const webhook = options.webhook ? await startWebhookCounter(secret) : undefined;
  const mail = new MailTransport({ smtpUrl: smtp.url, from: 'rampart-bench@localhost' });
  try {
    const { deliverCustomerNotice } = createActivities({ stateDir, artifactStore: [stateDir], slack: {}, mail, secret: (name) => (name === SECRET_ENV ? secret : undefined) });
    const rolloutId = `bench-${randomBytes(4).toString('hex')}`;
    const deliveries = Array.from({ length: options.customers }, (_, i) => {
      const customer = benchCustomer(i, webhook?.url);
      return { customer, notice: preDeploymentNotice(rolloutId, customer) };
    });
    const channels = options.webhook ? 'email + webhook' : 'email';
    log(`customer notices: ${options.customers} pre-deployment notices (${channels}), ${options.concurrency} at a time, SMTP stand-in ${smtp.url}`);

    const started = performance.now();
    const first = await eachBounded(deliveries, options.concurrency, (args) => deliverCustomerNotice(args), signal);
    const wallMs = performance.now() - started;
    const mailsAfterFirst = smtp.messages().length;
    log(`customer notices: ${mailsAfterFirst} mails in ${ms(wallMs)} ms; delivering the same ${options.customers} notices again`);

    const againStarted = performance.now();
    const second = await eachBounded(deliveries, options.concurrency, (args) => deliverCustomerNotice(args), signal);
    const replayWallMs = performance.now() - againStarted;

    const mails = smtp.messages();
    const perMessageId = new Map<string, number>();
    for (const m of mails) perMessageId.set(m.headers.messageId ?? '', (perMessageId.get(m.headers.messageId ?? '') ?? 0) + 1);
    const missingMails = deliveries.filter((d) => !perMessageId.has(noticeMessageId(d.notice.key))).length;
    const webhookExtra = webhook ? [...webhook.perKey.values()].reduce((sum, n) => sum + n - 1, 0) : 0;
    const duplicateCustomerNotices = Math.max(0, mails.length - options.customers) + webhookExtra;
    log(`customer notices: replay took ${ms(replayWallMs)} ms; ${mails.length - mailsAfterFirst} new mails, ${duplicateCustomerNotices} duplicates`);

    return {
      customerNoticesPerSecond: Math.round((options.customers / (wallMs / 1000)) * 10) / 10,
      duplicateCustomerNotices,
      details: {
        customers: options.customers,
        channels,
        concurrency: options.concurrency,
        wallMs: ms(wallMs),
        replayWallMs: ms(replayWallMs),
        outcomes: countOutcomes(first),
        replayOutcomes: countOutcomes(second),
        mailsReceived: mails.length,
        mailsBeyondOnePerCustomer: Math.max(0, mails.length - options.customers),
        missingMails,
        ...(webhook ? { webhooksAccepted: [...webhook.perKey.values()].reduce((a, b) => a + b, 0), webhooksBeyondOnePerKey: webhookExtra, webhookBadSignatures: webhook.badSignatures() } : {}),
        method:
          `deliverCustomerNotice called directly (no Temporal) for ${options.customers} customers, ${options.concurrency} in flight; ` +
          `per notice: argument check, decision recorded in customer-notices.jsonl (fsynced), rendering, ${channels} each through the sent ledger (fsynced begin/done); ` +
          `mail over nodemailer's pool of 2 SMTP connections to the in-process SMTP stand-in${webhook ? ', webhook POST (HMAC-signed, verified by an in-process receiver)' : ''}; ` +
          `rate = notices / wall time of the first pass; duplicates = mails received beyond one per customer${webhook ? ' + webhook notices accepted beyond one per Idempotency-Key' : ''} after a second pass with the same keys`,
      },
    };
  } finally {
    mail.close();
    await webhook?.close();
    await smtp.close();
  }
}

if (require.main === module) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rampart-bench-notices-'));
  const [customers = '10000', concurrency = '32'] = process.argv.slice(2);
  measureCustomerNotices({ log: (m) => process.stderr.write(`bench: ${m}\n`) }, path.join(dir, 'state'), { customers: Number(customers), concurrency: Number(concurrency), webhook: true })
    .then((result) => process.stdout.write(`${JSON.stringify(result, null, 2)}\n`))
    .finally(() => rmSync(dir, { recursive: true, force: true }));
}
