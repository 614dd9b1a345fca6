/**
 * A customer's webhook endpoint for Rampart's notices, on loopback, for tests and the fault
 * campaign: it checks each request's X-Rampart-Signature (HMAC-SHA256 of "<timestamp>.<body>"
 * under the customer's secret, as activities/customerNotify/webhookNotice.ts signs it), answers
 * 401 to a bad one and 200 otherwise, and keeps EVERY request it got, replays included: a
 * receiver could drop a second request with the same Idempotency-Key, but a test of "delivered
 * once" must see it.
 *
 *   const receiver = await startNoticeReceiver({ secret });
 *   customer.contacts.webhook = { url: receiver.urlFor('acme'), secretEnv: 'ACME_SECRET' };
 *   ... receiver.deliveries().filter((d) => d.accepted)
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyWebhookSignature } from '../../contract/webhookSignature';

export interface NoticeDelivery {
  /** The path's last segment: whose endpoint it was (urlFor(name)). */
  endpoint: string;
  /** The Idempotency-Key header: the notice's key. */
  key: string | null;
  /** Signature valid and answered 200. */
  accepted: boolean;
  status: number;
  /** Why the signature was refused, when it was. */
  refused?: string;
  receivedAt: string;
  body: unknown;
}

export interface NoticeReceiver {
  /** http://127.0.0.1:PORT/notices/ */
  url: string;
  /** An endpoint of its own for one customer: http://127.0.0.1:PORT/notices/<name> */
  urlFor(name: string): string;
  deliveries(): NoticeDelivery[];
  close(): Promise<void>;
}

const MAX_BODY = 1_000_000;

export async function startNoticeReceiver(options: { secret: string; port?: number; host?: string }): Promise<NoticeReceiver> {
  const host = options.host ?? '127.0.0.1';
  const received: NoticeDelivery[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY) chunks.push(chunk);
    });
    req.on('end', () => {
      const answer = (status: number, json: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json));
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      const match = /^\/notices\/([^/]+)$/.exec(path);
      if (req.method !== 'POST' || !match) return answer(404, { error: `no route ${req.method} ${path}` });
      if (size > MAX_BODY) return answer(413, { error: 'body too large' });
      const text = Buffer.concat(chunks).toString('utf8');
      const check = verifyWebhookSignature({
        secret: options.secret,
        timestamp: req.headers['x-rampart-timestamp'] as string | undefined,
        signature: req.headers['x-rampart-signature'] as string | undefined,
        body: text,
      });
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // kept as text: a test may want to see what was wrong with it
      }
      const key = req.headers['idempotency-key'];
      const status = check.ok ? 200 : 401;
      received.push({
        endpoint: decodeURIComponent(match[1]!),
        key: typeof key === 'string' ? key : null,
        accepted: check.ok,
        status,
        ...(check.ok ? {} : { refused: check.reason }),
        receivedAt: new Date().toISOString(),
        body,
      });
      answer(status, check.ok ? { received: true } : { error: check.reason });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host}:${port}/notices/`;
  return {
    url,
    urlFor: (name) => `${url}${encodeURIComponent(name)}`,
    deliveries: () => structuredClone(received),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
