import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Slack's request signing, version v0: X-Slack-Signature = "v0=" + hex HMAC-SHA256 of
 * "v0:{X-Slack-Request-Timestamp}:{raw body}" under the app's signing secret. The raw body is
 * what arrived on the wire, before any parsing. Requests older than five minutes are refused, so
 * a captured request cannot be replayed later.
 */
export const SLACK_SIGNATURE_VERSION = 'v0';
export const SLACK_SIGNATURE_TOLERANCE_S = 300;

export function slackSignature(signingSecret: string, timestamp: string, body: string): string {
  return `${SLACK_SIGNATURE_VERSION}=${createHmac('sha256', signingSecret).update(`${SLACK_SIGNATURE_VERSION}:${timestamp}:${body}`).digest('hex')}`;
}

export type SlackSignatureCheck = { ok: true } | { ok: false; reason: string };

export function verifySlackSignature(args: {
  signingSecret: string;
  /** X-Slack-Request-Timestamp (seconds since the epoch). */
  timestamp: string | undefined;
  /** The raw request body. */
  body: string;
  /** X-Slack-Signature. */
  signature: string | undefined;
  nowSeconds?: number;
}): SlackSignatureCheck {
  if (!args.signingSecret) return { ok: false, reason: 'no signing secret configured' };
  if (!args.timestamp || !/^\d{1,12}$/.test(args.timestamp)) return { ok: false, reason: 'missing or malformed X-Slack-Request-Timestamp' };
  const now = args.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - Number(args.timestamp)) > SLACK_SIGNATURE_TOLERANCE_S) return { ok: false, reason: 'X-Slack-Request-Timestamp is more than 5 minutes from now' };
  if (!args.signature) return { ok: false, reason: 'missing X-Slack-Signature' };
  const expected = Buffer.from(slackSignature(args.signingSecret, args.timestamp, args.body));
  const given = Buffer.from(args.signature);
  // Constant time: how much of a guess was right must not show in how long the check took.
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'X-Slack-Signature does not match' };
  return { ok: true };
}
