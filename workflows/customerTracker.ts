import type { RolloutEvent } from '../contract/timeline';
import type { MaintenanceSlot } from '../domain/customerNotice';
import type { CustomerRolloutStatus, NoticeRecord, NoticeTotals } from '../domain/customerRolloutStatus';
import type { PlannedStep } from '../domain/planSteps';
import type { Frozen, PublicIncidentUpdate, TimelineEntry } from '../domain/rolloutStatus';
import { nameList } from '../domain/nameList';
import { isoNow } from './time';

export type Note = (event: RolloutEvent, extra?: Omit<TimelineEntry, 'at' | 'event'>) => void;

/**
 * The customer fields of the rollout's status (customers, notices, public incident updates),
 * written here and nowhere else. The RolloutTracker makes it when a customers file joins the
 * rollout and hands it the rollout's timeline: the customer side says what happened, this writes it.
 */
export class CustomerTracker {
  /** By id: a rollout may carry thousands of customers, and every change looks one up. */
  private readonly byId: Map<string, CustomerRolloutStatus>;

  constructor(
    private readonly release: string,
    private readonly list: CustomerRolloutStatus[],
    private readonly totals: NoticeTotals,
    private readonly updates: PublicIncidentUpdate[],
    private readonly note: Note,
  ) {
    this.byId = new Map(list.map((c) => [c.id, c]));
  }

  get customers(): Frozen<CustomerRolloutStatus[]> {
    return this.list;
  }

  get publicIncidents(): Frozen<PublicIncidentUpdate[]> {
    return this.updates;
  }

  find(customerId: string): Frozen<CustomerRolloutStatus> | undefined {
    return this.byId.get(customerId);
  }

  /** Each customer not pinned goes with the step that updates their targets. */
  placed(steps: PlannedStep[]): void {
    for (const step of steps) {
      const inStep = new Set(step.targets);
      for (const c of this.list) {
        if (c.state !== 'pinned' && c.targets.some((t) => inStep.has(t))) c.step = step.name;
      }
    }
  }

  /** Customers pinned to N-1: one timeline line for all of them. */
  pinned(customerIds: string[]): void {
    for (const id of customerIds) {
      this.change(id, (c) => {
        c.state = 'pinned';
        c.waitingFor = `pinned to the previous release line; ${this.release} is not offered`;
      });
    }
    if (customerIds.length === 0) return;
    this.note('customer pinned to N-1', { detail: `${nameList(customerIds)}: left on ${customerIds.length === 1 ? 'its' : 'their'} release line` });
  }

  deferred(customerId: string, until: string, by: string, reason: string | undefined): void {
    this.change(customerId, (c) => {
      c.deferral = { until, by, reason: reason ?? null, at: isoNow() };
      c.waitingFor = `deferred by ${by} until ${until}`;
    });
    this.note('customer deferred', { by, reason, detail: `${customerId} until ${until}` });
  }

  /** Their update is booked into a maintenance window (after their deferral, if any). */
  booked(customerId: string, slot: MaintenanceSlot): void {
    this.change(customerId, (c) => {
      c.state = 'waiting_for_window';
      c.window = slot;
      c.waitingFor = c.deferral
        ? `deferred by ${c.deferral.by} until ${c.deferral.until}; then maintenance window ${slot.label}`
        : `maintenance window ${slot.label}`;
    });
  }

  rescheduled(customerId: string, why: string, slotLabel: string): void {
    this.note('customer rescheduled', { detail: `${customerId}: ${why}; now ${slotLabel}` });
  }

  updating(customerId: string): void {
    this.change(customerId, (c) => {
      c.state = 'updating';
      c.waitingFor = null;
    });
  }

  updated(customerId: string): void {
    this.change(customerId, (c) => {
      c.state = 'updated';
    });
  }

  rolledBack(customerId: string): void {
    this.change(customerId, (c) => {
      c.state = 'rolled_back';
    });
  }

  /** Their systems are being returned, but not all could be confirmed back: a person follows up. */
  restoreUnconfirmed(customerId: string): void {
    this.change(customerId, (c) => {
      c.state = 'restore_unconfirmed';
      c.waitingFor = 'our engineers are confirming that every one of your systems is back on the previous version';
    });
  }

  /** The rollout was undone before this customer's turn: their update will not happen. */
  calledOff(customerId: string): void {
    this.change(customerId, (c) => {
      c.waitingFor = 'update called off';
    });
  }

  /** A notice sent, suppressed, held, batched or failed: on the customer's record and in the totals. */
  noticeRecorded(customerId: string, record: NoticeRecord): void {
    this.byId.get(customerId)?.notices.push(record);
    this.totals[record.outcome]++;
  }

  publicIncidentPosted(update: PublicIncidentUpdate): void {
    this.updates.push(update);
  }

  private change(customerId: string, apply: (c: CustomerRolloutStatus) => void): void {
    const c = this.byId.get(customerId);
    if (c) apply(c);
  }
}
