/**
 * The public status portal: a small node:http server over one shared ReleaseTracker.
 *
 *   GET  /                          releases in progress and recent ones (HTML)
 *   GET  /releases/:id              one release: steps, progress, incident banner (HTML, live)
 *   GET  /api/releases[/:id]        the same as JSON (the public projection only)
 *   GET  /api/stream                server-sent events: snapshot, release, customers (at most 500,
 *                                   10 per client address: 503 / 429 with Retry-After past that)
 *   GET  /feed.atom                 Atom feed of public release events
 *   GET  /customer                  a customer's own view (token kept in sessionStorage)
 *   GET  /api/customers/:id         that customer's view across releases (Bearer token)
 *   POST /api/customers/:id/defer   {rolloutId, until, reason?}: executes the 'defer' Update
 *   GET  /assets/*                  the portal's script and style
 *
 * Every answer carries a Content-Security-Policy with no inline script or style, no framing, no
 * referrer. Errors are JSON {error}; a refused request has changed nothing. Tokens and bodies are
 * never logged.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Client } from '@temporalio/client';
import { toCustomerReleaseView, type CustomerReleaseView } from '../../domain/publicStatus';
import { atomFeed } from './atomFeed';
import { customerPage } from './customerPage';
import { checkCustomerToken, MIN_PORTAL_SECRET_LENGTH, PORTAL_SECRET_ENV } from './customerTokens';
import { deferForCustomer } from './customerDeferral';
import { clientAddress } from './clientAddress';
import { EventStream } from './eventStream';
import { notFoundPage, releaseListPage, releasePage } from './releasePages';
import { ReleaseTracker } from './releaseTracker';
import { checkJsonContentType, checkOrigin, readJsonBody } from './requestGuards';
import { loadAssets } from './staticAssets';

export interface PortalCustomer {
  id: string;
  name: string;
}

export interface PortalOptions {
  client: Client;
  /** Only rollouts on this task queue are shown and accept deferrals. */
  taskQueue?: string;
  /** Who may sign in: the customers file's customers. */
  customers: readonly PortalCustomer[];
  /** RAMPART_PORTAL_SECRET: customer tokens are HMACs under it. */
  secret: string;
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** The address customers use (behind a proxy): its origin is the one mutating requests must come from. */
  publicUrl?: string;
  /**
   * The proxy in front of the portal (its address as the portal sees it): requests from it are
   * counted against the client address it appends to X-Forwarded-For. Without it, every client
   * behind a proxy shares the proxy's address and its stream allowance.
   */
  trustedProxy?: string;
  /** Event streams from one client address at once; default MAX_STREAMS_PER_ADDRESS (10). */
  maxStreamsPerAddress?: number;
  pollIntervalMs?: number;
  heartbeatMs?: number;
  log?: (line: string) => void;
}

export interface Portal {
  url: string;
  port: number;
  tracker: ReleaseTracker;
  /** Event streams open now: a client that went away is no longer counted. */
  openStreams(): number;
  close(): Promise<void>;
}

const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=()',
};

const CUSTOMER_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

interface Answer {
  status: number;
  type: string;
  body: string | Buffer;
  headers?: Record<string, string>;
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}): Answer => ({
  status,
  type: 'application/json; charset=utf-8',
  body: `${JSON.stringify(body)}\n`,
  headers: { 'cache-control': 'no-store', ...headers },
});
const page = (status: number, body: string): Answer => ({ status, type: 'text/html; charset=utf-8', body, headers: { 'cache-control': 'no-store' } });

export async function startPortal(options: PortalOptions): Promise<Portal> {
  if (typeof options.secret !== 'string' || options.secret.length < MIN_PORTAL_SECRET_LENGTH) {
    throw new Error(`the portal secret must be at least ${MIN_PORTAL_SECRET_LENGTH} characters (set ${PORTAL_SECRET_ENV})`);
  }
  const log = options.log ?? (() => undefined);
  const assets = loadAssets();
  const customers = new Map(options.customers.map((c) => [c.id, c] as const));
  const customerIds = [...customers.keys()];
  const tracker = new ReleaseTracker(options.client, { taskQueue: options.taskQueue, intervalMs: options.pollIntervalMs, log });
  await tracker.start();
  const stream = new EventStream(tracker, {
    heartbeatMs: options.heartbeatMs,
    maxPerAddress: options.maxStreamsPerAddress,
    addressOf: (req) => clientAddress(req, options.trustedProxy),
  });
  let allowedOrigins = new Set<string>();
  let baseUrl = '';

  const customerView = async (id: string): Promise<{ customer: PortalCustomer; releases: CustomerReleaseView[] }> => ({
    customer: customers.get(id)!,
    releases: (await tracker.statusesFor(id)).map((s) => toCustomerReleaseView(s, id)).filter((v): v is CustomerReleaseView => v !== null),
  });

  /** Token check for a customer's API: 401 no or bad token, 403 another customer's, 404 no such customer. */
  const authorise = (req: http.IncomingMessage, id: string): Answer | undefined => {
    const check = checkCustomerToken(options.secret, id, customerIds, req.headers.authorization);
    if (!check.ok) return json(check.status, { error: check.reason }, check.status === 401 ? { 'www-authenticate': 'Bearer realm="rampart-portal"' } : {});
    if (!customers.has(id)) return json(404, { error: `no customer with id "${id}"` });
    return undefined;
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<Answer | 'streaming'> => {
    const path = (req.url ?? '/').split(/[?#]/)[0]!;
    const segments = path.split('/').slice(1).map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return '\u0000';
      }
    });
    const method = req.method ?? 'GET';
    const api = segments[0] === 'api';

    // The one mutating endpoint.
    if (api && segments[1] === 'customers' && segments.length === 4 && segments[3] === 'defer') {
      if (method !== 'POST') return json(405, { error: `${method} is not allowed here; use POST` }, { allow: 'POST' });
      const id = segments[2]!;
      const origin = checkOrigin(req, allowedOrigins);
      if (origin) return json(origin.status, { error: origin.error });
      if (!CUSTOMER_ID.test(id)) return json(404, { error: 'no such customer' });
      const refused = authorise(req, id);
      if (refused) return refused;
      const type = checkJsonContentType(req);
      if (type) return json(type.status, { error: type.error });
      const body = await readJsonBody(req);
      if (!body.ok) return json(body.status, { error: body.error });
      const answer = await deferForCustomer(options.client, {
        taskQueue: options.taskQueue,
        customerId: id,
        body: body.value,
        customerInRollout: (rolloutId) => {
          const status = tracker.statuses().find((s) => s.rolloutId === rolloutId);
          // Too many customers to list: the rollout's own defer validator decides.
          if (!status || status.customerSummary) return undefined;
          return (status.customers ?? []).some((c) => c.id === id);
        },
      });
      if (answer.status === 200) await tracker.refresh(String((answer.body as { rolloutId: string }).rolloutId)).catch(() => undefined);
      log(`defer by customer ${id} -> ${answer.status}`);
      return json(answer.status, answer.body);
    }

    if (method !== 'GET' && method !== 'HEAD') return json(405, { error: `${method} is not allowed here; use GET` }, { allow: 'GET, HEAD' });

    if (api) {
      if (segments[1] === 'releases' && segments.length === 2) return json(200, { releases: tracker.releases() });
      if (segments[1] === 'releases' && segments.length === 3) {
        const release = tracker.release(segments[2]!);
        return release ? json(200, release) : json(404, { error: `no release with id "${segments[2]}"` });
      }
      if (segments[1] === 'stream' && segments.length === 2) {
        stream.open(req, res, SECURITY_HEADERS);
        return 'streaming';
      }
      if (segments[1] === 'customers' && segments.length === 3) {
        const id = segments[2]!;
        if (!CUSTOMER_ID.test(id)) return json(404, { error: 'no such customer' });
        return authorise(req, id) ?? json(200, await customerView(id));
      }
      return json(404, { error: `no such endpoint: ${path}` });
    }

    if (path === '/') return page(200, releaseListPage(tracker.releases()));
    if (segments[0] === 'releases' && segments.length === 2) {
      const release = tracker.release(segments[1]!);
      return release ? page(200, releasePage(release)) : page(404, notFoundPage(`There is no release "${segments[1]}" on this portal.`));
    }
    if (path === '/customer') return page(200, customerPage());
    if (path === '/feed.atom') {
      return { status: 200, type: 'application/atom+xml; charset=utf-8', body: atomFeed(tracker.releases(), baseUrl), headers: { 'cache-control': 'no-cache' } };
    }
    // Browsers ask for it whatever the page says; the icon is the SVG one.
    if (path === '/favicon.ico') return { status: 301, type: 'text/plain; charset=utf-8', body: '', headers: { location: '/assets/favicon.svg' } };
    const asset = assets.get(path);
    if (asset) return { status: 200, type: asset.type, body: asset.body, headers: { 'cache-control': 'no-cache' } };
    return page(404, notFoundPage('There is no such page.'));
  };

  const server = http.createServer((req, res) => {
    const started = Date.now();
    handle(req, res)
      .catch((err: unknown): Answer => {
        log(`error on ${req.method} ${(req.url ?? '').split('?')[0]}: ${(err as Error).message}`);
        return json(500, { error: 'internal error; try again later' });
      })
      .then((answer) => {
        if (answer === 'streaming') return;
        const body = typeof answer.body === 'string' ? Buffer.from(answer.body) : answer.body;
        res.writeHead(answer.status, { ...SECURITY_HEADERS, 'content-type': answer.type, 'content-length': body.length, ...answer.headers });
        res.end(req.method === 'HEAD' ? undefined : body);
        log(`${req.method} ${(req.url ?? '').split('?')[0]} -> ${answer.status} in ${Date.now() - started} ms`);
      });
  });
  // A slow or stuck client cannot hold an ordinary request for long (streams lift this themselves).
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.keepAliveTimeout = 5_000;

  try {
    await new Promise<void>((ok, fail) => {
      server.once('error', fail);
      server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
        server.off('error', fail);
        ok();
      });
    });
  } catch (err) {
    stream.close();
    await tracker.stop();
    throw err;
  }
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  const url = `http://${host}:${port}`;
  baseUrl = options.publicUrl ? new URL(options.publicUrl).origin : url;
  allowedOrigins = new Set([url, baseUrl]);
  // On loopback the same portal is reached as localhost too.
  if (address === '127.0.0.1' || address === '::1') allowedOrigins.add(`http://localhost:${port}`);

  return {
    url,
    port,
    tracker,
    openStreams: () => stream.size,
    close: async () => {
      stream.close();
      await tracker.stop();
      await new Promise<void>((ok, fail) => {
        server.close((err) => (err ? fail(err) : ok()));
        server.closeAllConnections();
      });
    },
  };
}
