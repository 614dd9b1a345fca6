/**
 * A real SMTP server on loopback (the `smtp-server` package) that keeps every mail it receives,
 * for the demo and the tests: envelope, raw RFC 822 text and the headers that matter for
 * threading (Message-ID, In-Reply-To, References, Subject). Plain SMTP without TLS; no AUTH by
 * default, or AUTH PLAIN/LOGIN against one configured user. It can be stopped and started again
 * on the same port, to play an SMTP server that is down for a while.
 *
 *   node --import tsx local/standins/smtpServer.ts --port 0 [--store mails.jsonl] [--user U]
 *        [--reject bounce@example.com ...]     (password for --user from SMTP_STANDIN_PASSWORD)
 *
 * prints one JSON line {"port":N,"url":"smtp://127.0.0.1:N"} once listening.
 */
import { timingSafeEqual } from 'node:crypto';
import { appendFileSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { SMTPServer, type SMTPServerAddress } from 'smtp-server';
import { exitWithParent } from '../process/exitWithParent';
import { parseMailHeaders, type MailHeaders } from './mailHeaders';

export interface SmtpServerOptions {
  /** Default: a free port, kept across stop() and start(). */
  port?: number;
  host?: string;
  /** Append every received mail as one JSON line; mails already in the file are loaded at start. */
  storeFile?: string;
  /** Require AUTH PLAIN/LOGIN with this user (plain text is allowed: loopback only). */
  auth?: { user: string; pass: string };
  /** Recipients refused at RCPT TO with 550 (permanent), to test bounces. */
  rejectRecipients?: string[];
}

export interface ReceivedMail {
  seq: number;
  receivedAt: string;
  envelope: { from: string | null; to: string[] };
  authUser: string | null;
  headers: Omit<MailHeaders, 'all'>;
  raw: string;
}

export interface SmtpStandin {
  port: number;
  url: string;
  messages(): ReceivedMail[];
  /** Stops listening and drops open sessions (421); messages() stays. */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
  readonly listening: boolean;
  close(): Promise<void>;
}

const MAX_MESSAGE_BYTES = 10 * 1024 * 1024;

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Every mail a stand-in stored in its JSONL file; a line torn by a crash is skipped. */
export function loadStore(file: string | undefined): ReceivedMail[] {
  if (!file) return [];
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((line) => line.trim())
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as ReceivedMail];
      } catch {
        return [];
      }
    });
}

export async function startSmtpServer(options: SmtpServerOptions = {}): Promise<SmtpStandin> {
  const host = options.host ?? '127.0.0.1';
  const received = loadStore(options.storeFile);
  const rejected = new Set((options.rejectRecipients ?? []).map((a) => a.toLowerCase()));
  let port = options.port ?? 0;
  let server: SMTPServer | undefined;

  const address = (a: SMTPServerAddress | false) => (a ? a.address : null);

  function create(): SMTPServer {
    return new SMTPServer({
      secure: false,
      disabledCommands: options.auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
      authOptional: !options.auth,
      allowInsecureAuth: true,
      authMethods: ['PLAIN', 'LOGIN'],
      disableReverseLookup: true,
      banner: 'Rampart SMTP stand-in',
      size: MAX_MESSAGE_BYTES,
      logger: false,
      closeTimeout: 200,
      onAuth(auth, _session, callback) {
        const ok = options.auth && auth.username === options.auth.user && sameSecret(auth.password ?? '', options.auth.pass);
        if (!ok) return callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
        callback(null, { user: auth.username });
      },
      onRcptTo(rcpt, _session, callback) {
        if (rejected.has(rcpt.address.toLowerCase())) {
          return callback(Object.assign(new Error(`5.1.1 <${rcpt.address}>: recipient unknown`), { responseCode: 550 }));
        }
        callback();
      },
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('error', (err) => callback(err));
        stream.on('end', () => {
          if (stream.sizeExceeded) {
            return callback(Object.assign(new Error('5.3.4 Message exceeds the size limit'), { responseCode: 552 }));
          }
          const raw = Buffer.concat(chunks).toString('utf8');
          const { all: _all, ...headers } = parseMailHeaders(raw);
          const mail: ReceivedMail = {
            seq: received.length + 1,
            receivedAt: new Date().toISOString(),
            envelope: { from: address(session.envelope.mailFrom), to: session.envelope.rcptTo.map((r) => r.address) },
            authUser: typeof session.user === 'string' ? session.user : null,
            headers,
            raw,
          };
          try {
            if (options.storeFile) appendFileSync(options.storeFile, `${JSON.stringify(mail)}\n`);
          } catch (err) {
            return callback(Object.assign(new Error(`4.3.0 cannot store the message: ${(err as Error).message}`), { responseCode: 451 }));
          }
          received.push(mail);
          callback(null, `2.0.0 queued as ${mail.seq}`);
        });
      },
    });
  }

  async function start(): Promise<void> {
    if (server) return;
    const next = create();
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      next.once('error', onError);
      next.listen(port, host, () => {
        next.off('error', onError);
        // After start-up an error (a client resetting its socket) must not crash the process.
        next.on('error', () => undefined);
        resolve();
      });
    });
    port = (next.server.address() as { port: number }).port;
    server = next;
  }

  async function stop(): Promise<void> {
    const current = server;
    server = undefined;
    if (current) await new Promise<void>((resolve) => current.close(() => resolve()));
  }

  await start();
  return {
    get port() {
      return port;
    },
    get url() {
      return `smtp://${host}:${port}`;
    },
    get listening() {
      return server !== undefined;
    },
    messages: () => structuredClone(received),
    stop,
    start,
    close: stop,
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      host: { type: 'string', default: '127.0.0.1' },
      store: { type: 'string' },
      user: { type: 'string' },
      reject: { type: 'string', multiple: true },
    },
  });
  const pass = process.env.SMTP_STANDIN_PASSWORD;
  if (values.user && !pass) {
    console.error('--user needs its password in SMTP_STANDIN_PASSWORD');
    process.exit(2);
  }
  const standin = await startSmtpServer({
    port: Number(values.port),
    host: values.host,
    storeFile: values.store,
    auth: values.user ? { user: values.user, pass: pass! } : undefined,
    rejectRecipients: values.reject,
  });
  const stop = () => void standin.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  exitWithParent(stop);
  process.stdout.write(`${JSON.stringify({ port: standin.port, url: standin.url })}\n`);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error((err as Error).message);
    process.exit(1);
  });
}
