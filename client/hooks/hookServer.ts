/**
 * The alert webhooks: monitoring tells Rampart something is wrong, Rampart opens or joins an incident.
 *
 *   POST /hooks/alertmanager   Alertmanager's webhook JSON (version 4)
 *   POST /hooks/generic        {severity, summary, dedupKey?, rolloutId?, details?, status?}
 *
 * Authentication (client/hooks/hookAuth.ts): `X-Rampart-Timestamp: <epoch seconds>` and
 * `X-Rampart-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>">` under the shared
 * secret, the scheme of Rampart's outgoing webhooks. Signed more than 5 minutes ago or ahead:
 * 401; a signature already accepted within that window: 409 (the same request twice is one
 * alert, and a captured alert cannot reopen an incident after it was resolved). The Alertmanager
 * endpoint also takes `Authorization: Bearer <secret>`, since Alertmanager cannot sign; that mode
 * has no replay protection (hookAuth.ts says what to do instead). Its receiver then reads:
 *
 *   receivers:
 *     - name: rampart
 *       webhook_configs:
 *         - url: http://127.0.0.1:8088/hooks/alertmanager
 *           send_resolved: true
 *           http_config:
 *             authorization: { type: Bearer, credentials_file: /etc/alertmanager/rampart-secret }
 *
 * Answers: 202 {accepted, incidents} (incidents = what onAlert returned, one per event);
 * 401 bad, stale or missing credentials; 409 a replayed signed request; 503 too many signed
 * requests to remember within the window (Retry-After); 400 not JSON or not the format (every issue's path and rule);
 * 413 body over 1 MiB; 404 unknown path; 405 not POST; 500 onAlert failed (so the sender retries;
 * the failed request's signature is forgotten, so even the very same request may be sent again).
 * Nothing reaches onAlert unless authentication and validation passed.
 *
 * As a process: RAMPART_WEBHOOK_SECRET=… node --import tsx client/hooks/hookServer.ts --port 8088
 * [--host 127.0.0.1] [--grouping group|alert]. It prints {"url": …} once listening, then each
 * accepted event as one JSON line on stdout (the incident side is wired in by whoever embeds
 * startHookServer with a real onAlert).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { toInputErrors, type InputError } from '../../domain/issues';
import { alertmanagerPayloadSchema, genericAlertSchema } from './alertPayloads';
import { SIGNATURE_TOLERANCE_S } from '../../contract/webhookSignature';
import { checkHookAuth, SIGNATURE_HEADER, TIMESTAMP_HEADER } from './hookAuth';
import { alertmanagerEvents, genericEvent, type AlertEvent, type AlertmanagerGrouping } from './normaliseAlerts';
import { ReplayGuard } from './replayGuard';
import { handleSlackAction, type SlackActionsOptions } from './slackActions';

export type { AlertEvent, AlertmanagerGrouping } from './normaliseAlerts';
export { webhookSignatureHeaders } from './hookAuth';

export const MAX_BODY_BYTES = 1024 * 1024;
export const WEBHOOK_SECRET_ENV = 'RAMPART_WEBHOOK_SECRET';
const MIN_SECRET_LENGTH = 16;
/** Signed requests remembered at once (about 160 a second for 5 minutes); past that, 503. */
export const MAX_REMEMBERED_SIGNATURES = 50_000;

export interface HookServerOptions<R = unknown> {
  /** Slack's interactivity callback at POST /slack/actions (the Acknowledge button). */
  slackActions?: SlackActionsOptions;
  /** Default 0: the kernel picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Shared secret, at least 16 characters. */
  secret: string;
  /** Opens or joins the incident for one event; its result is echoed in the 202 answer. */
  onAlert: (event: AlertEvent) => Promise<R>;
  /** One event per Alertmanager notification (default) or one per alert. */
  alertmanagerGrouping?: AlertmanagerGrouping;
  /** One line per request answered (never bodies, headers or the secret). */
  log?: (line: string) => void;
  /** How many signed requests are remembered at once to refuse replays; default MAX_REMEMBERED_SIGNATURES. */
  maxRememberedSignatures?: number;
}

export interface HookServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

interface Answer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

type Route = (body: unknown) => { ok: true; events: AlertEvent[] } | { ok: false; issues: InputError[] };

export async function startHookServer<R = unknown>(options: HookServerOptions<R>): Promise<HookServer> {
  if (typeof options.secret !== 'string' || options.secret.length < MIN_SECRET_LENGTH) {
    throw new Error(`the webhook secret must be at least ${MIN_SECRET_LENGTH} characters (set ${WEBHOOK_SECRET_ENV})`);
  }
  const grouping = options.alertmanagerGrouping ?? 'group';
  const routes: Record<string, { route: Route; allowBearer: boolean }> = {
    '/hooks/alertmanager': { route: validating(alertmanagerPayloadSchema, (p) => alertmanagerEvents(p, grouping)), allowBearer: true },
    '/hooks/generic': { route: validating(genericAlertSchema, (a) => [genericEvent(a)]), allowBearer: false },
  };
  const log = options.log ?? (() => undefined);
  const seen = new ReplayGuard({ windowSeconds: SIGNATURE_TOLERANCE_S, maxEntries: options.maxRememberedSignatures ?? MAX_REMEMBERED_SIGNATURES });
  const slackSeen = new ReplayGuard({ windowSeconds: SIGNATURE_TOLERANCE_S, maxEntries: options.maxRememberedSignatures ?? MAX_REMEMBERED_SIGNATURES });

  const handle = async (req: http.IncomingMessage): Promise<Answer> => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (path === '/slack/actions' && options.slackActions && req.method === 'POST') {
      const body = await readBody(req, MAX_BODY_BYTES);
      if (body === 'too-large') return { status: 413, body: { error: `the body is larger than ${MAX_BODY_BYTES} bytes` } };
      return handleSlackAction({ log, ...options.slackActions, seen: slackSeen }, { timestamp: header(req, 'x-slack-request-timestamp'), signature: header(req, 'x-slack-signature') }, body);
    }
    const endpoint = routes[path];
    if (!endpoint) return { status: 404, body: { error: `no such endpoint: ${path}`, endpoints: Object.keys(routes) } };
    if (req.method !== 'POST') return { status: 405, body: { error: `${req.method} is not allowed on ${path}; use POST` }, headers: { allow: 'POST' } };

    const body = await readBody(req, MAX_BODY_BYTES);
    if (body === 'too-large') return { status: 413, body: { error: `the body is larger than ${MAX_BODY_BYTES} bytes` } };

    const auth = checkHookAuth({
      secret: options.secret,
      body,
      signature: header(req, SIGNATURE_HEADER),
      timestamp: header(req, TIMESTAMP_HEADER),
      authorization: header(req, 'authorization'),
      allowBearer: endpoint.allowBearer,
    });
    if (!auth.ok) {
      return { status: 401, body: { error: 'unauthorized', reason: auth.reason }, headers: endpoint.allowBearer ? { 'www-authenticate': 'Bearer realm="rampart"' } : {} };
    }
    const claimed = auth.via === 'signature' ? auth.signature : undefined;
    if (auth.via === 'signature') {
      const claim = seen.claim(auth.signature, auth.timestamp);
      if (claim === 'replayed') {
        return { status: 409, body: { error: 'replayed request', reason: 'this X-Rampart-Signature was already accepted; sign every request afresh with the current X-Rampart-Timestamp' } };
      }
      if (claim === 'busy') {
        return { status: 503, body: { error: 'too many signed requests in the last 5 minutes; retry later' }, headers: { 'retry-after': '30' } };
      }
    }

    let json: unknown;
    try {
      json = JSON.parse(body.toString('utf8'));
    } catch (err) {
      return { status: 400, body: { error: 'the body is not JSON', detail: (err as Error).message } };
    }
    const parsed = endpoint.route(json);
    if (!parsed.ok) {
      return { status: 400, body: { error: 'invalid alert', issues: parsed.issues.map(({ path: p, message }) => ({ path: p || '(root)', message })) } };
    }

    // One at a time, in order: a group's firing then resolved must reach the incident in that order.
    const incidents: R[] = [];
    for (const event of parsed.events) {
      try {
        incidents.push(await options.onAlert(event));
      } catch (err) {
        if (claimed) seen.release(claimed);
        return { status: 500, body: { error: 'could not open or join the incident; retry later', detail: (err as Error).message, accepted: incidents.length, incidents } };
      }
    }
    return { status: 202, body: { accepted: parsed.events.length, incidents } };
  };

  const server = http.createServer((req, res) => {
    const started = Date.now();
    handle(req)
      .catch((err: unknown): Answer => ({ status: 500, body: { error: 'internal error', detail: (err as Error).message } }))
      .then((answer) => {
        const text = `${JSON.stringify(answer.body)}\n`;
        res.writeHead(answer.status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...answer.headers });
        res.end(text);
        log(`${req.method} ${(req.url ?? '').split('?')[0]} -> ${answer.status} in ${Date.now() - started} ms`);
      });
  });
  // A slow or stuck sender cannot hold a connection for long.
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.keepAliveTimeout = 5_000;

  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', fail);
      ok();
    });
  });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  return {
    url: `http://${host}:${port}`,
    port,
    close: () =>
      new Promise<void>((ok, fail) => {
        server.close((err) => (err ? fail(err) : ok()));
        server.closeAllConnections();
      }),
  };
}

function validating<S extends z.ZodType>(schema: S, toEvents: (value: z.output<S>) => AlertEvent[]): Route {
  return (body) => {
    const result = schema.safeParse(body);
    return result.success ? { ok: true, events: toEvents(result.data) } : { ok: false, issues: toInputErrors(result.error) };
  };
}

function header(req: http.IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The raw body, or 'too-large' past `max` bytes. An oversized body is still read to its end (and
 * thrown away) so the sender gets the 413 rather than a reset connection, up to 8x the limit or
 * 10 s; past that the connection is cut.
 */
function readBody(req: http.IncomingMessage, max: number): Promise<Buffer | 'too-large'> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    let size = 0;
    let tooLarge = Number.isFinite(declared) && declared > max;
    const chunks: Buffer[] = [];
    let cutOff: NodeJS.Timeout | undefined;
    const giveUp = () => req.destroy();
    const markTooLarge = () => {
      tooLarge = true;
      chunks.length = 0;
      cutOff ??= setTimeout(giveUp, 10_000);
    };
    if (tooLarge) markTooLarge();
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (!tooLarge && size > max) markTooLarge();
      if (tooLarge) {
        if (size > 8 * max) giveUp();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      clearTimeout(cutOff);
      resolve(tooLarge ? 'too-large' : Buffer.concat(chunks));
    });
    req.on('error', (err) => {
      clearTimeout(cutOff);
      reject(err);
    });
    req.on('close', () => clearTimeout(cutOff));
  });
}

/** `node --import tsx client/hooks/hookServer.ts --port P`: secret from RAMPART_WEBHOOK_SECRET. */
async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { port: { type: 'string', default: '0' }, host: { type: 'string', default: '127.0.0.1' }, grouping: { type: 'string', default: 'group' } },
    strict: true,
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`--port: expected a port number from 0 to 65535, got "${values.port}"`);
  if (values.grouping !== 'group' && values.grouping !== 'alert') throw new Error(`--grouping: expected group or alert, got "${values.grouping}"`);
  const secret = process.env[WEBHOOK_SECRET_ENV];
  if (!secret) throw new Error(`${WEBHOOK_SECRET_ENV} is not set: it holds the shared webhook secret`);
  const server = await startHookServer({
    port,
    host: values.host,
    secret,
    alertmanagerGrouping: values.grouping,
    log: (line) => process.stderr.write(`hooks: ${line}\n`),
    onAlert: async (event) => {
      process.stdout.write(`${JSON.stringify({ event })}\n`);
      return { dedupKey: event.dedupKey, status: 'logged' };
    },
  });
  process.stdout.write(`${JSON.stringify({ url: server.url, port: server.port })}\n`);
  const shutdown = () => {
    server.close().then(() => process.exit(0), () => process.exit(1));
    setTimeout(() => process.exit(1), 5000).unref();
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`hooks: ${(err as Error).message}\n`);
    process.exit(2);
  });
}
