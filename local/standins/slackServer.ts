/**
 * A local server that behaves like the Slack Web API where Rampart depends on it, for the demo and
 * the tests (Slack itself is out of reach here):
 *
 *   POST /api/<method>   auth.test, chat.postMessage, chat.update, conversations.history,
 *                        conversations.replies, conversations.list; form-urlencoded (what
 *                        @slack/web-api sends) or JSON bodies; the bot token as
 *                        `Authorization: Bearer` (or a `token` argument). Answers HTTP 200 with
 *                        {ok:true,...} or {ok:false,error} as Slack does: not_authed without a
 *                        token, invalid_auth with a wrong one, channel_not_found, ...
 *   GET  /_test/messages             every message kept (channel, ts, thread_ts, text, blocks, metadata)
 *   GET  /_test/calls                every API call: method, time, HTTP status, error
 *   POST /_test/rate-limit {calls, retryAfterSeconds}   the next N calls get HTTP 429 + Retry-After
 *   POST /_test/fail {calls, status?}                   the next N calls get HTTP 500 (or status)
 *   POST /_test/hold {calls}        the next N calls are carried out but never answered (a crash
 *                                   of the caller after Slack accepted)
 *
 *   node --import tsx local/standins/slackServer.ts --port 0 --token xoxb-test [--token ...] [--channel '#incidents' ...]
 *
 * prints one JSON line {"port":N,"url":"http://127.0.0.1:N/api/"} once listening. Without
 * --token it takes SLACK_BOT_TOKEN.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { parseArgs } from 'node:util';
import { exitWithParent } from '../process/exitWithParent';
import { DEFAULT_CHANNELS, SlackWorkspace, type SlackAnswer, type SlackArgs, type StoredMessage } from './slackWorkspace';

export type { StoredMessage } from './slackWorkspace';

export interface SlackServerOptions {
  port?: number;
  host?: string;
  /** Bot tokens accepted. */
  tokens: string[];
  /** Channel names that exist (default #incidents, #rollouts, #general). */
  channels?: string[];
}

export interface SlackCall {
  method: string;
  /** ms since the epoch. */
  at: number;
  status: number;
  ok: boolean;
  error?: string;
}

export interface SlackStandin {
  /** The slackApiUrl: http://127.0.0.1:PORT/api/ */
  url: string;
  port: number;
  messages(): StoredMessage[];
  calls(): SlackCall[];
  /** The next `calls` API calls get HTTP 429 with Retry-After: retryAfterSeconds. */
  rateLimitNext(calls: number, retryAfterSeconds: number): void;
  /** The next `calls` API calls get HTTP `status` (default 500). */
  failNext(calls: number, status?: number): void;
  /** The next `calls` API calls take effect but are never answered. */
  holdNext(calls: number): void;
  close(): Promise<void>;
}

const MAX_BODY = 1_000_000;

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new Error('body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Arguments from the query string and a form or JSON body, as Slack takes them. */
function parseArguments(req: http.IncomingMessage, url: URL, body: string): SlackArgs | undefined {
  const args: SlackArgs = Object.fromEntries(url.searchParams);
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (!body) return args;
  if (type === 'application/json') {
    try {
      const json = JSON.parse(body) as unknown;
      if (typeof json !== 'object' || json === null || Array.isArray(json)) return undefined;
      return { ...args, ...(json as SlackArgs) };
    } catch {
      return undefined;
    }
  }
  if (type === 'application/x-www-form-urlencoded' || type === '') return { ...args, ...Object.fromEntries(new URLSearchParams(body)) };
  return undefined;
}

function bearer(req: http.IncomingMessage): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  return match?.[1];
}

export function startSlackServer(options: SlackServerOptions): Promise<SlackStandin> {
  const workspace = new SlackWorkspace(options.channels ?? DEFAULT_CHANNELS);
  const tokens = new Set(options.tokens);
  const log: SlackCall[] = [];
  let rateLimited = { calls: 0, seconds: 1 };
  let failing = { calls: 0, status: 500 };
  let holding = 0;
  const held = new Set<http.ServerResponse>();
  const sockets = new Set<Socket>();

  const send = (res: http.ServerResponse, status: number, json: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
    res.end(JSON.stringify(json));
  };

  async function api(method: string, req: http.IncomingMessage, url: URL, res: http.ServerResponse): Promise<void> {
    const body = await readBody(req);
    const record = (status: number, answer?: SlackAnswer) =>
      log.push({ method, at: Date.now(), status, ok: answer?.ok ?? false, ...(answer?.error ? { error: answer.error } : {}) });
    if (rateLimited.calls > 0) {
      rateLimited.calls -= 1;
      record(429, { ok: false, error: 'ratelimited' });
      return send(res, 429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(rateLimited.seconds) });
    }
    if (failing.calls > 0) {
      failing.calls -= 1;
      record(failing.status);
      res.writeHead(failing.status, { 'content-type': 'text/html' });
      res.end('<html><body>Slack is having trouble</body></html>');
      return;
    }
    const args = parseArguments(req, url, body);
    let answer: SlackAnswer;
    if (!args) {
      answer = { ok: false, error: 'invalid_form_data' };
    } else {
      const token = bearer(req) ?? (typeof args.token === 'string' ? args.token : undefined);
      delete args.token;
      if (!token) answer = { ok: false, error: 'not_authed' };
      else if (!tokens.has(token)) answer = { ok: false, error: 'invalid_auth' };
      else answer = workspace.call(method, args);
    }
    record(200, answer);
    if (holding > 0) {
      holding -= 1;
      held.add(res); // done, but the caller never hears of it
      return;
    }
    send(res, 200, answer);
  }

  async function testControl(path: string, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (req.method === 'GET' && path === '/_test/messages') return send(res, 200, workspace.messages());
    if (req.method === 'GET' && path === '/_test/calls') return send(res, 200, log);
    if (req.method !== 'POST') return send(res, 404, { error: `no route ${req.method} ${path}` });
    let json: { calls?: unknown; retryAfterSeconds?: unknown; status?: unknown };
    try {
      json = JSON.parse((await readBody(req)) || '{}') as typeof json;
    } catch {
      return send(res, 400, { error: 'body is not JSON' });
    }
    const calls = Number(json.calls);
    if (!Number.isInteger(calls) || calls < 0) return send(res, 400, { error: 'calls: expected a whole number >= 0' });
    if (path === '/_test/rate-limit') {
      const seconds = Number(json.retryAfterSeconds ?? 1);
      if (!Number.isInteger(seconds) || seconds < 0) return send(res, 400, { error: 'retryAfterSeconds: expected a whole number >= 0' });
      rateLimited = { calls, seconds };
    } else if (path === '/_test/fail') {
      const status = Number(json.status ?? 500);
      if (!Number.isInteger(status) || status < 400 || status > 599) return send(res, 400, { error: 'status: expected 400-599' });
      failing = { calls, status };
    } else if (path === '/_test/hold') {
      holding = calls;
    } else {
      return send(res, 404, { error: `no route POST ${path}` });
    }
    send(res, 200, { ok: true });
  }

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const handle = async () => {
      const apiMatch = /^\/api\/([A-Za-z0-9_.]+)$/.exec(url.pathname);
      if (apiMatch && (req.method === 'POST' || req.method === 'GET')) return api(apiMatch[1]!, req, url, res);
      if (url.pathname.startsWith('/_test/')) return testControl(url.pathname, req, res);
      send(res, 404, { ok: false, error: 'unknown_method' });
    };
    handle().catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, { ok: false, error: 'internal_error', detail: (err as Error).message });
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://${options.host ?? '127.0.0.1'}:${port}/api/`,
        port,
        messages: () => workspace.messages(),
        calls: () => structuredClone(log),
        rateLimitNext: (calls, retryAfterSeconds) => {
          rateLimited = { calls, seconds: retryAfterSeconds };
        },
        failNext: (calls, status = 500) => {
          failing = { calls, status };
        },
        holdNext: (calls) => {
          holding = calls;
        },
        close: () =>
          new Promise<void>((done) => {
            for (const res of held) res.destroy();
            held.clear();
            server.close(() => done());
            for (const socket of sockets) socket.destroy();
          }),
      });
    });
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      host: { type: 'string', default: '127.0.0.1' },
      token: { type: 'string', multiple: true },
      channel: { type: 'string', multiple: true },
    },
  });
  const tokens = values.token?.length ? values.token : process.env.SLACK_BOT_TOKEN ? [process.env.SLACK_BOT_TOKEN] : [];
  if (tokens.length === 0) {
    console.error('usage: slackServer.ts --token <bot token> [--token ...] [--port N] [--channel #name ...] (or set SLACK_BOT_TOKEN)');
    process.exit(2);
  }
  const standin = await startSlackServer({ port: Number(values.port), host: values.host, tokens, channels: values.channel });
  const stop = () => void standin.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  exitWithParent(stop); // a stand-in must not outlive the test or demo that started it
  process.stdout.write(`${JSON.stringify({ port: standin.port, url: standin.url })}\n`);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error((err as Error).message);
    process.exit(1);
  });
}
