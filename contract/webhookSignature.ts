/**
 * Rampart's webhook signature, the one definition for both directions: what Rampart sends (deploy
 * targets, customer notices) and what it accepts (the alert hooks).
 *
 *   X-Rampart-Timestamp: <seconds since the epoch>
 *   X-Rampart-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>" under the shared secret>
 *
 * Signing the timestamp with the body lets a receiver refuse a captured request replayed later:
 * one older than SIGNATURE_TOLERANCE_S (or that far ahead of the receiver's clock) is refused, and
 * within that window a receiver remembers the signatures it accepted (client/hooks/replayGuard.ts).
 *
 * Pure JavaScript (@noble/hashes), no node:crypto: the contract stays sandbox-safe.
 */
import { hmac } from '@noble/hashes/hmac';
import { sha256 } from '@noble/hashes/sha2';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils';

export const TIMESTAMP_HEADER = 'x-rampart-timestamp';
export const SIGNATURE_HEADER = 'x-rampart-signature';

/** How far a request's timestamp may be from the receiver's clock, either way: 5 minutes. */
export const SIGNATURE_TOLERANCE_S = 300;

const bytes = (data: string | Uint8Array): Uint8Array => (typeof data === 'string' ? utf8ToBytes(data) : data);

export function signWebhook(secret: string, timestamp: string, body: string | Uint8Array): string {
  const mac = hmac.create(sha256, utf8ToBytes(secret));
  mac.update(utf8ToBytes(`${timestamp}.`)).update(bytes(body));
  return `sha256=${bytesToHex(mac.digest())}`;
}

/** The two headers for one request, signed now (or at `nowSeconds`). */
export function webhookSignatureHeaders(secret: string, body: string | Uint8Array, nowSeconds = Math.floor(Date.now() / 1000)): Record<string, string> {
  const timestamp = String(nowSeconds);
  return { [TIMESTAMP_HEADER]: timestamp, [SIGNATURE_HEADER]: signWebhook(secret, timestamp, body) };
}

export type SignatureCheck = { ok: true } | { ok: false; reason: string };

export function verifyWebhookSignature(args: {
  secret: string;
  timestamp: string | undefined;
  signature: string | undefined;
  body: string | Uint8Array;
  nowSeconds?: number;
}): SignatureCheck {
  const stamp = args.timestamp?.trim();
  if (!stamp || !/^\d{1,12}$/.test(stamp)) {
    return { ok: false, reason: 'missing or malformed X-Rampart-Timestamp: expected the signing time in whole seconds since the epoch' };
  }
  const now = args.nowSeconds ?? Math.floor(Date.now() / 1000);
  const age = now - Number(stamp);
  if (age > SIGNATURE_TOLERANCE_S) {
    return { ok: false, reason: `X-Rampart-Timestamp is ${age} s old; requests signed more than ${SIGNATURE_TOLERANCE_S} s ago are refused` };
  }
  if (-age > SIGNATURE_TOLERANCE_S) {
    return { ok: false, reason: `X-Rampart-Timestamp is ${-age} s in the future; more than ${SIGNATURE_TOLERANCE_S} s ahead of this server's clock is refused` };
  }
  const given = args.signature?.trim();
  if (!given) return { ok: false, reason: 'missing X-Rampart-Signature' };
  if (!sameText(given, signWebhook(args.secret, stamp, args.body))) {
    return { ok: false, reason: 'X-Rampart-Signature does not match: sign "<X-Rampart-Timestamp>.<body>" with HMAC-SHA256 under the shared secret' };
  }
  return { ok: true };
}

/** Constant-time equality: how much of a guess was right must not show in how long the check took. */
function sameText(given: string, expected: string): boolean {
  // Compare fixed-length digests, so the time does not depend on the lengths either.
  const a = sha256(utf8ToBytes(given));
  const b = sha256(utf8ToBytes(expected));
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a[i]! ^ b[i]!;
  return difference === 0;
}
