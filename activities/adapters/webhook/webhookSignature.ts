import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The webhook protocol's signature: X-Rampart-Signature = "sha256=" + hex HMAC-SHA256 of
 * "<timestamp>.<body>" under a shared secret. Signing the timestamp with the body lets a
 * receiver refuse a captured request replayed later.
 */
export function signWebhook(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export type SignatureCheck = { ok: true } | { ok: false; reason: string };

/** How far a request's timestamp may be from the receiver's clock. */
export const SIGNATURE_TOLERANCE_S = 300;

export function verifyWebhookSignature(args: {
  secret: string;
  timestamp: string | undefined;
  signature: string | undefined;
  body: string;
  nowSeconds?: number;
}): SignatureCheck {
  if (!args.timestamp || !/^\d+$/.test(args.timestamp)) return { ok: false, reason: 'missing or malformed X-Rampart-Timestamp' };
  const now = args.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - Number(args.timestamp)) > SIGNATURE_TOLERANCE_S) return { ok: false, reason: 'timestamp outside the allowed window' };
  if (!args.signature) return { ok: false, reason: 'missing X-Rampart-Signature' };
  const expected = Buffer.from(signWebhook(args.secret, args.timestamp, args.body));
  const given = Buffer.from(args.signature);
  // Constant-time compare: a timing difference must not leak how much of a guess was right.
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'signature does not match' };
  return { ok: true };
}
