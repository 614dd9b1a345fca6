import { URGENT_CATEGORIES, type CustomerNotice } from './customerNotice';
import type { Customer } from './customers';
import { isQuietAt, quietHoursEnd } from './maintenanceWindow';

/** Whether a notice goes out now, and if not, why and until when. */
export type DeliveryDecision =
  | { action: 'send' }
  | { action: 'suppressed'; reason: string }
  | { action: 'held'; until: Date; reason: string };

export interface DeliveryQuestion {
  notice: CustomerNotice;
  customer: Customer;
  /** Delivery time: preferences are judged when the notice goes out, not when it was built. */
  now: Date;
  /** Routine notices already sent to this customer since Monday 00:00 in their time zone (domain/maintenanceWindow weekStart). */
  routineSentThisWeek: number;
}

/**
 * The customer's notice preferences, applied. Security and incident notices always go out at
 * once: no opt-out, no cap, no quiet hours, because the customer must hear about them. Routine
 * notices (pre-deployment, post-deployment, digest) respect, in this order, the customer's
 * opt-outs, their weekly cap (Monday 00:00 in their zone) and their quiet hours, which hold a
 * notice until they end rather than drop it.
 */
export function decideDelivery({ notice, customer, now, routineSentThisWeek }: DeliveryQuestion): DeliveryDecision {
  const category = notice.category;
  if (URGENT_CATEGORIES.includes(category)) return { action: 'send' };
  if ((customer.optOut as readonly string[]).includes(category)) {
    return { action: 'suppressed', reason: `opted out of ${category}` };
  }
  if (routineSentThisWeek >= customer.routineNoticesPerWeek) {
    return { action: 'suppressed', reason: `weekly cap of ${customer.routineNoticesPerWeek} routine notices reached` };
  }
  if (isQuietAt(customer.quietHours, customer.timeZone, now)) {
    const until = quietHoursEnd(customer.quietHours, customer.timeZone, now);
    if (until) return { action: 'held', until, reason: `quiet hours ${customer.quietHours!.start}–${customer.quietHours!.end} (${customer.timeZone})` };
  }
  return { action: 'send' };
}
