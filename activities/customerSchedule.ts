import { ApplicationFailure } from '@temporalio/common';
import type { MaintenanceSlot } from '../domain/customerNotice';
import type { Customer, CustomerArg, CustomersFileRef } from '../domain/customers';
import { distinctIndexed } from '../domain/batches';
import { resolveCustomer } from './customerDirectory';
import { formatSlotLabel, nextWindow, quietHoursEnd } from '../domain/maintenanceWindow';

export interface ScheduleCustomerUpdateArgs {
  customer: Customer;
  /** Earliest moment the notice may go out (ISO). */
  after: string;
  /** How long customers hear of an update before their window opens (ms). */
  noticeBefore: number;
  /** Security and incident notices go out at once, quiet hours or not. */
  urgent: boolean;
}

export interface CustomerSchedule {
  /** When to send the pre-deployment notice (ISO, UTC). */
  noticeAt: string;
  slot: MaintenanceSlot;
}

/**
 * When to tell a customer about an update and which of their maintenance windows it lands in.
 * An activity, not workflow code, because the answer depends on the tz database: a workflow keeps
 * the result in its history and replays it unchanged. Pure, so a retry gives the same answer.
 */
export async function scheduleCustomerUpdate(args: ScheduleCustomerUpdateArgs): Promise<CustomerSchedule> {
  const { customer, noticeBefore, urgent } = args;
  const after = new Date(args.after);
  if (Number.isNaN(after.getTime())) invalid(customer, `after: expected an ISO date-time, got "${args.after}"`);
  if (!Number.isFinite(noticeBefore) || noticeBefore < 0) invalid(customer, `noticeBefore: expected milliseconds >= 0, got ${noticeBefore}`);
  try {
    const earliest = urgent ? after : quietHoursEnd(customer.quietHours, customer.timeZone, after) ?? after;
    const window = nextWindow(customer.maintenanceWindows, customer.timeZone, new Date(earliest.getTime() + noticeBefore));
    // Told `noticeBefore` ahead of the window, not a week ahead of it; earlier only when the
    // ideal moment falls in their quiet hours. Security fixes are announced at once.
    const ideal = new Date(window.opensAt.getTime() - noticeBefore);
    const quietAtIdeal = !urgent && quietHoursEnd(customer.quietHours, customer.timeZone, ideal) !== null;
    const noticeAt = !urgent && ideal > earliest && !quietAtIdeal ? ideal : earliest;
    return {
      noticeAt: noticeAt.toISOString(),
      slot: {
        opensAt: window.opensAt.toISOString(),
        closesAt: window.closesAt.toISOString(),
        label: formatSlotLabel(window.opensAt, window.closesAt, customer.timeZone),
      },
    };
  } catch (err) {
    // An unknown time zone or no usable window is the customer file's fault: retrying cannot fix it.
    if (err instanceof RangeError) invalid(customer, err.message);
    throw err;
  }
}

function invalid(customer: Customer, message: string): never {
  throw ApplicationFailure.nonRetryable(`scheduling an update for customer ${customer.id}: ${message}`, 'InvalidInput');
}

export interface ScheduleCustomerUpdatesArgs {
  items: (CustomerArg & { after: string })[];
  noticeBefore: number;
  urgent: boolean;
  /** Where customers given by id are read (customersFile of the rollout). */
  customersFile?: CustomersFileRef;
}

/** The bookings in the order asked; each slot given once and pointed at by index (most customers share a few). */
export interface CustomerBookings {
  slots: MaintenanceSlot[];
  bookings: { noticeAt: string; slot: number }[];
}

/**
 * Many customers' bookings in one activity: a step with thousands of customers costs a few
 * history events per batch instead of per customer. Same answers as one call each.
 */
export async function scheduleCustomerUpdates(args: ScheduleCustomerUpdatesArgs, store: readonly string[]): Promise<CustomerBookings> {
  const booked: CustomerSchedule[] = [];
  for (const item of args.items) {
    const customer = await resolveCustomer(item, args.customersFile, store);
    booked.push(await scheduleCustomerUpdate({ customer, after: item.after, noticeBefore: args.noticeBefore, urgent: args.urgent }));
  }
  const { distinct: slots, of } = distinctIndexed(booked.map((b) => b.slot));
  return { slots, bookings: booked.map((b, i) => ({ noticeAt: b.noticeAt, slot: of[i]! })) };
}
