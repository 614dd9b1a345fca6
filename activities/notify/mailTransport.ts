import { ApplicationFailure } from '@temporalio/common';
import { createTransport } from 'nodemailer';

export const SMTP_URL_ENV = 'SMTP_URL';
export const MAIL_FROM_ENV = 'MAIL_FROM';
export const DEFAULT_MAIL_FROM = 'rampart@localhost';

type Transport = ReturnType<typeof createTransport>;

let current: { url: string; transport: Transport } | undefined;

/**
 * The worker's pooled SMTP transport, created on first use from SMTP_URL (e.g.
 * `smtp://user:pass@mail.example.com:587`); a changed SMTP_URL gets a new one. The URL carries
 * the password: it never goes into a message, an error or a log (see smtpServerName).
 */
export function mailTransport(): Transport {
  const url = process.env[SMTP_URL_ENV];
  if (!url) throw ApplicationFailure.nonRetryable(`${SMTP_URL_ENV} is not set: the worker needs an SMTP server to send mail`, 'ConfigurationError');
  if (current?.url === url) return current.transport;
  current?.transport.close();
  // `{ url, pool: true }`, not createTransport(url, { pool: true }): the second argument holds
  // message defaults, so pooling would silently be off.
  const transport = createTransport({
    url,
    pool: true,
    maxConnections: 2,
    connectionTimeout: 5_000,
    greetingTimeout: 5_000,
    socketTimeout: 20_000,
    logger: false,
    debug: false,
  });
  current = { url, transport };
  return transport;
}

export function mailFrom(): string {
  return process.env[MAIL_FROM_ENV] || DEFAULT_MAIL_FROM;
}

/** The SMTP server as "host:port", for messages: never the user or password in SMTP_URL. */
export function smtpServerName(): string {
  try {
    const url = new URL(process.env[SMTP_URL_ENV] ?? '');
    return `${url.hostname}:${url.port || (url.protocol === 'smtps:' ? '465' : '587')}`;
  } catch {
    return 'the SMTP server';
  }
}

/** Removes SMTP_URL and its password from a text that is about to become an error message. */
export function withoutSmtpSecrets(text: string): string {
  const raw = process.env[SMTP_URL_ENV];
  if (!raw) return text;
  let out = text.split(raw).join(smtpServerName());
  try {
    const password = decodeURIComponent(new URL(raw).password);
    if (password) out = out.split(password).join('***');
  } catch {
    // not a URL: nothing more to find
  }
  return out;
}

/** Closes the pooled connections (worker shutdown, tests). */
export function closeMailTransport(): void {
  current?.transport.close();
  current = undefined;
}
