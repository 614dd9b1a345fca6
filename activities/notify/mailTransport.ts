import { ApplicationFailure } from '@temporalio/common';
import { createTransport } from 'nodemailer';

/** The settings' names where the worker reads them (worker/config.ts); messages name them too. */
export const SMTP_URL_ENV = 'SMTP_URL';
export const MAIL_FROM_ENV = 'MAIL_FROM';
export const DEFAULT_MAIL_FROM = 'rampart@localhost';

type Transport = ReturnType<typeof createTransport>;

export interface MailSettings {
  /** e.g. `smtp://user:pass@mail.example.com:587`; carries the password. Unset: the worker cannot mail. */
  smtpUrl?: string;
  /** The sender address; default rampart@localhost. */
  from?: string;
}

/**
 * The worker's pooled SMTP transport, opened on first use from the settings' SMTP URL. The URL
 * carries the password: it never goes into a message, an error or a log (see serverName). Whoever
 * creates it closes it (worker shutdown, tests).
 */
export class MailTransport {
  private current: Transport | undefined;

  constructor(private readonly settings: MailSettings) {}

  /** The pooled transport; a non-retryable ConfigurationError when no SMTP URL is configured. */
  transport(): Transport {
    const url = this.settings.smtpUrl;
    if (!url) throw ApplicationFailure.nonRetryable(`${SMTP_URL_ENV} is not set: the worker needs an SMTP server to send mail`, 'ConfigurationError');
    // `{ url, pool: true }`, not createTransport(url, { pool: true }): the second argument holds
    // message defaults, so pooling would silently be off.
    this.current ??= createTransport({
      url,
      pool: true,
      maxConnections: 2,
      connectionTimeout: 5_000,
      greetingTimeout: 5_000,
      socketTimeout: 20_000,
      logger: false,
      debug: false,
    });
    return this.current;
  }

  from(): string {
    return this.settings.from || DEFAULT_MAIL_FROM;
  }

  /** The SMTP server as "host:port", for messages: never the user or password in the SMTP URL. */
  serverName(): string {
    try {
      const url = new URL(this.settings.smtpUrl ?? '');
      return `${url.hostname}:${url.port || (url.protocol === 'smtps:' ? '465' : '587')}`;
    } catch {
      return 'the SMTP server';
    }
  }

  /** Removes the SMTP URL and its password from a text that is about to become an error message. */
  withoutSecrets(text: string): string {
    const raw = this.settings.smtpUrl;
    if (!raw) return text;
    let out = text.split(raw).join(this.serverName());
    try {
      const password = decodeURIComponent(new URL(raw).password);
      if (password) out = out.split(password).join('***');
    } catch {
      // not a URL: nothing more to find
    }
    return out;
  }

  /** Closes the pooled connections; a later send opens them again. */
  close(): void {
    this.current?.close();
    this.current = undefined;
  }
}
