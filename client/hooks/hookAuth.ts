/**
 * Who may raise an alert: whoever holds the shared webhook secret.
 *
 *   X-Rampart-Timestamp: <seconds since the epoch>
 *   X-Rampart-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>" under the secret>
 *     for any sender that can sign (scripts, CI, other monitoring systems): the same scheme as
 *     Rampart's own outgoing webhooks (contract/webhookSignature.ts). A request signed more than
 *     5 minutes ago (or ahead) is refused, and the hook server refuses one it has seen before.
 *   Authorization: Bearer <secret>
 *     for Alertmanager, which cannot sign bodies but sends a bearer token from its webhook
 *     receiver's http_config (`authorization: { type: Bearer, credentials_file: … }`). Accepted
 *     only where the caller allows it (the Alertmanager endpoint). A bearer request carries
 *     nothing unique, so it CANNOT be protected against replay: whoever captures one can send it
 *     again. Keep that path on a network only Alertmanager reaches, behind TLS.
 *
 * Comparisons are constant-time. The secret never appears in an answer or a log line.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { verifyWebhookSignature } from '../../contract/webhookSignature';

// As a person reads them in an answer; HTTP header names are case-insensitive.
const SIGNATURE = 'X-Rampart-Signature';
const TIMESTAMP = 'X-Rampart-Timestamp';

export { SIGNATURE_HEADER, TIMESTAMP_HEADER, webhookSignatureHeaders } from '../../contract/webhookSignature';

export type AuthCheck =
  | { ok: true; via: 'signature'; signature: string; timestamp: number }
  | { ok: true; via: 'bearer' }
  | { ok: false; reason: string };

export function checkHookAuth(args: {
  secret: string;
  body: Buffer;
  signature: string | undefined;
  timestamp: string | undefined;
  authorization: string | undefined;
  allowBearer: boolean;
  nowSeconds?: number;
}): AuthCheck {
  if (args.signature !== undefined) {
    const check = verifyWebhookSignature({ secret: args.secret, timestamp: args.timestamp, signature: args.signature, body: args.body, nowSeconds: args.nowSeconds });
    if (check.ok) return { ok: true, via: 'signature', signature: args.signature.trim(), timestamp: Number(args.timestamp) };
    // The scheme before timestamps signed the body alone: say so, rather than only "does not match".
    if (sameText(args.signature.trim(), bodyOnlySignature(args.secret, args.body))) {
      return { ok: false, reason: `X-Rampart-Signature signs the body alone, which can be replayed; sign "<${TIMESTAMP}>.<body>" and send ${TIMESTAMP}` };
    }
    return { ok: false, reason: check.reason };
  }
  const bearer = /^Bearer\s+(.+)$/i.exec(args.authorization?.trim() ?? '')?.[1];
  if (bearer !== undefined) {
    if (!args.allowBearer) return { ok: false, reason: `this endpoint needs ${SIGNATURE} and ${TIMESTAMP}; a bearer token is accepted only from Alertmanager` };
    return sameText(bearer, args.secret) ? { ok: true, via: 'bearer' } : { ok: false, reason: 'the bearer token is not the webhook secret' };
  }
  return {
    ok: false,
    reason: args.allowBearer ? `missing ${SIGNATURE} (with ${TIMESTAMP}) or Authorization: Bearer` : `missing ${SIGNATURE} (with ${TIMESTAMP})`,
  };
}

function bodyOnlySignature(secret: string, body: Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** Constant-time equality of two strings of any length. */
function sameText(given: string, expected: string): boolean {
  // Hashing both to a fixed length keeps the comparison's time independent of the length too.
  const a = createHmac('sha256', 'rampart-compare').update(given).digest();
  const b = createHmac('sha256', 'rampart-compare').update(expected).digest();
  return timingSafeEqual(a, b);
}
