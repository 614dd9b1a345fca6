/**
 * Who may raise an alert: whoever holds the shared webhook secret.
 *
 *   X-Rampart-Signature: sha256=<hex HMAC-SHA256 of the raw request body under the secret>
 *     for any sender that can sign (scripts, CI, other monitoring systems);
 *   Authorization: Bearer <secret>
 *     for Alertmanager, which cannot sign bodies but sends a bearer token from its webhook
 *     receiver's http_config (`authorization: { type: Bearer, credentials_file: … }`). Accepted
 *     only where the caller allows it (the Alertmanager endpoint).
 *
 * Both comparisons are constant-time. The secret never appears in an answer or a log line.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-rampart-signature';

export function signBody(secret: string, body: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export type AuthCheck = { ok: true; via: 'signature' | 'bearer' } | { ok: false; reason: string };

export function checkHookAuth(args: {
  secret: string;
  body: Buffer;
  signature: string | undefined;
  authorization: string | undefined;
  allowBearer: boolean;
}): AuthCheck {
  if (args.signature !== undefined) {
    return sameText(args.signature.trim(), signBody(args.secret, args.body))
      ? { ok: true, via: 'signature' }
      : { ok: false, reason: 'X-Rampart-Signature does not match the body' };
  }
  const bearer = /^Bearer\s+(.+)$/i.exec(args.authorization?.trim() ?? '')?.[1];
  if (bearer !== undefined) {
    if (!args.allowBearer) return { ok: false, reason: 'this endpoint needs X-Rampart-Signature; a bearer token is accepted only from Alertmanager' };
    return sameText(bearer, args.secret) ? { ok: true, via: 'bearer' } : { ok: false, reason: 'the bearer token is not the webhook secret' };
  }
  return {
    ok: false,
    reason: args.allowBearer ? 'missing X-Rampart-Signature or Authorization: Bearer' : 'missing X-Rampart-Signature',
  };
}

/** Constant-time equality of two strings of any length. */
function sameText(given: string, expected: string): boolean {
  // Hashing both to a fixed length keeps the comparison's time independent of the length too.
  const a = createHmac('sha256', 'rampart-compare').update(given).digest();
  const b = createHmac('sha256', 'rampart-compare').update(expected).digest();
  return timingSafeEqual(a, b);
}
