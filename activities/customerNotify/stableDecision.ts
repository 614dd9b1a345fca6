import type { CustomerNotice } from '../../domain/customerNotice';
import type { Customer } from '../../domain/customers';
import { weekStart } from '../../domain/maintenanceWindow';
import { decideDelivery } from '../../domain/noticePolicy';
import type { NoticeDecisions, RecordedDecision } from './noticeDecisionLog';

/**
 * The delivery decision for a notice, made once and recorded before anything is sent: a retried
 * activity (after a crash, a timeout, a failed channel) gets the recorded answer back, so a notice
 * suppressed by the weekly cap stays suppressed even though the count has moved on, and one that
 * was allowed keeps its place under the cap. A hold is the exception: once it has ended, the
 * delivery that comes after it is judged afresh (quiet hours are over, the week may be new).
 */
export async function decideOnce(log: NoticeDecisions, notice: CustomerNotice, customer: Customer, now: Date): Promise<RecordedDecision> {
  return log.forCustomer(customer.id, async () => {
    const recorded = await log.get(notice.key);
    if (recorded && !holdIsOver(recorded, now)) return recorded;
    const routineSentThisWeek = await log.routineSentSince(customer.id, weekStart(now, customer.timeZone));
    const decision = decideDelivery({ notice, customer, now, routineSentThisWeek });
    const entry: RecordedDecision = {
      at: now.toISOString(),
      key: notice.key,
      customerId: customer.id,
      routine: notice.category !== 'security' && notice.category !== 'incident',
      decision: decision.action,
      ...(decision.action === 'send' ? {} : { reason: decision.reason }),
      ...(decision.action === 'held' ? { until: decision.until.toISOString() } : {}),
    };
    await log.record(entry);
    return entry;
  });
}

function holdIsOver(recorded: RecordedDecision, now: Date): boolean {
  return recorded.decision === 'held' && recorded.until !== undefined && Date.parse(recorded.until) <= now.getTime();
}
