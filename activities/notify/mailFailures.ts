import { ApplicationFailure } from '@temporalio/common';
import type { MailTransport } from './mailTransport';

interface MailError {
  code?: string;
  originalCode?: string;
  responseCode?: number;
  response?: string;
  permanent?: boolean;
  message?: string;
}

/** Nodemailer codes for "could not talk to the server": a later attempt may. */
const UNREACHABLE = new Set(['ECONNECTION', 'ESOCKET', 'ETIMEDOUT', 'EDNS', 'ETLS', 'EPROXY', 'ECONNREFUSED', 'ECONNRESET']);
/** Nodemailer codes for a message or configuration no retry fixes. */
const FINAL = new Set(['EENVELOPE', 'EMESSAGE', 'ECONFIG', 'EAUTH', 'ENOAUTH', 'EMAXRECIPIENTS', 'EREQUIRETLS']);

/** RFC 5321: 5yz is a permanent refusal, except 503 (bad sequence), which a new session can pass. */
function permanentReply(e: MailError): boolean {
  if (typeof e.permanent === 'boolean') return e.permanent;
  const code = e.responseCode ?? 0;
  return code >= 500 && code < 600 && code !== 503;
}

/**
 * Maps a nodemailer error to what Temporal should do with it: an SMTP 4xx reply or an unreachable
 * server is retryable (`EmailDeferred`, `EmailUnavailable`); a permanent 5xx reply (unknown
 * recipient, ...) or a broken message is not (`EmailRejected`). Messages name the server as
 * host:port, never SMTP_URL's credentials. Anything else is returned as is.
 */
export function mailFailure(err: unknown, mail: MailTransport): unknown {
  const e = (err ?? {}) as MailError;
  const server = mail.serverName();
  const detail = mail.withoutSecrets(e.response ?? e.message ?? String(err));
  if (typeof e.responseCode === 'number') {
    const permanent = permanentReply(e);
    return ApplicationFailure.create({
      type: permanent ? 'EmailRejected' : 'EmailDeferred',
      message: `${server} ${permanent ? 'refused' : 'deferred'} the mail: ${detail}`,
      nonRetryable: permanent,
    });
  }
  if (e.code && UNREACHABLE.has(e.code)) {
    return ApplicationFailure.retryable(`cannot deliver to ${server} (${e.originalCode ?? e.code}): ${detail}`, 'EmailUnavailable');
  }
  if (e.code && FINAL.has(e.code)) {
    return ApplicationFailure.nonRetryable(`mail not sent through ${server} (${e.code}): ${detail}`, e.code === 'EAUTH' || e.code === 'ENOAUTH' ? 'ConfigurationError' : 'EmailRejected');
  }
  return err;
}

/** True when the server provably did not take the message: it replied with a refusal, or no connection was made. */
export function mailSentNothing(err: unknown): boolean {
  const e = (err ?? {}) as MailError;
  if (typeof e.responseCode === 'number') return true;
  if (e.originalCode === 'ECONNREFUSED' || e.code === 'ECONNREFUSED' || e.code === 'EDNS') return true;
  return Boolean(e.code && FINAL.has(e.code));
}
