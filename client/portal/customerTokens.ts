/**
 * A customer's portal token: HMAC-SHA256(secret, customerId) in hex. Stateless, so nothing needs
 * storing or expiring, and a new secret revokes every token at once. The secret comes from the
 * environment (RAMPART_PORTAL_SECRET), never from a file in the repository or a workflow.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const PORTAL_SECRET_ENV = 'RAMPART_PORTAL_SECRET';
export const MIN_PORTAL_SECRET_LENGTH = 16;

export function customerToken(secret: string, customerId: string): string {
  return createHmac('sha256', secret).update(customerId).digest('hex');
}

export type TokenCheck =
  | { ok: true }
  /** No token, or one that belongs to no customer. */
  | { ok: false; status: 401; reason: string }
  /** A real token, of another customer. */
  | { ok: false; status: 403; reason: string };

/**
 * Whether `authorization` (the raw header) carries customerId's token. Every comparison is
 * constant-time, and every known customer is compared, so the answer's timing says nothing about
 * which customer (if any) a guess came close to.
 */
export function checkCustomerToken(secret: string, customerId: string, knownCustomers: readonly string[], authorization: string | undefined): TokenCheck {
  const token = /^Bearer\s+([^\s]+)\s*$/i.exec(authorization ?? '')?.[1];
  if (token === undefined) return { ok: false, status: 401, reason: 'missing Authorization: Bearer <customer token>' };
  if (sameText(token, customerToken(secret, customerId))) return { ok: true };
  let another = false;
  for (const id of knownCustomers) {
    if (id !== customerId && sameText(token, customerToken(secret, id))) another = true;
  }
  return another
    ? { ok: false, status: 403, reason: `this token belongs to another customer, not ${customerId}` }
    : { ok: false, status: 401, reason: 'the token is not valid' };
}

/** Constant-time equality for strings of any length: both are hashed to a fixed length first. */
function sameText(given: string, expected: string): boolean {
  const a = createHmac('sha256', 'rampart-portal-compare').update(given).digest();
  const b = createHmac('sha256', 'rampart-portal-compare').update(expected).digest();
  return timingSafeEqual(a, b);
}
