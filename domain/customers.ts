import { z } from 'zod';
import { DAY, HOUR, MINUTE, durationBetween } from './duration';
import { nameText } from './freeText';
import { safeUrlSchema } from './safeUrl';

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected a 24-hour time such as "02:30"');

/** An IANA time zone the runtime knows ("Europe/Berlin"); checked against the tz database, not a list of our own. */
const timeZoneSchema = z.string().refine((zone) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}, { message: 'expected an IANA time zone such as "Europe/Berlin"' });

export const ROUTINE_CATEGORIES = ['pre-deployment', 'post-deployment', 'digest'] as const;

const maintenanceWindowSchema = z.strictObject({
  day: z.enum(DAYS, { error: `expected one of ${DAYS.join(', ')}` }),
  start: clock,
  duration: durationBetween(15 * MINUTE, 24 * HOUR),
});

const customerSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'expected a lower-case id of letters, digits and "-"'),
  name: nameText().min(1),
  /** Fleet target ids that belong to this customer. */
  targets: z.array(z.string().min(1)).min(1, 'a customer needs at least one target'),
  contacts: z.strictObject({
    emails: z.array(z.email('expected an email address')).default([]),
    slack: z.string().regex(/^(#[a-z0-9._-]{1,80}|[CG][A-Z0-9]{2,})$/, 'expected "#channel-name" or a channel id').optional(),
    webhook: z.strictObject({
      url: safeUrlSchema({ secretHome: 'the environment variable that secretEnv names (the signing secret), or the receiver\'s own configuration' }),
      /** Environment variable holding the HMAC secret: never the secret itself. */
      secretEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'expected an environment variable name'),
    }).optional(),
  }).refine((c) => c.emails.length > 0 || c.slack !== undefined || c.webhook !== undefined, { message: 'give at least one way to reach the customer' }),
  channel: z.enum(['early-access', 'stable'], { error: 'expected early-access or stable' }).default('stable'),
  timeZone: timeZoneSchema,
  maintenanceWindows: z.array(maintenanceWindowSchema).min(1, 'a customer needs at least one maintenance window').max(50, 'expected at most 50 maintenance windows'),
  /** How long the customer may put an update off. */
  maxDeferral: durationBetween(0, 90 * DAY).default(7 * 86_400_000),
  /** Stay on the previous release line (N-1): rollouts of a new line skip this customer. */
  pinToPrevious: z.boolean().default(false),
  optOut: z.array(z.enum(ROUTINE_CATEGORIES, { error: `expected one of ${ROUTINE_CATEGORIES.join(', ')}; security and incident notices cannot be opted out of` })).default([]),
  quietHours: z.strictObject({ start: clock, end: clock }).optional(),
  routineNoticesPerWeek: z.number().int().min(0).max(50).default(3),
});

/** Customers in one file: the notice and booking batches are sized for this many. */
export const MAX_CUSTOMERS = 100_000;

export const customersFileSchema = z.strictObject({
  customers: z.array(customerSchema).min(1).max(MAX_CUSTOMERS, `expected at most ${MAX_CUSTOMERS} customers`),
}).superRefine((file, ctx) => {
  const ids = new Map<string, number>();
  const owners = new Map<string, string>();
  file.customers.forEach((customer, i) => {
    if (ids.has(customer.id)) ctx.addIssue({ code: 'custom', path: ['customers', i, 'id'], message: `duplicate customer id "${customer.id}"` });
    ids.set(customer.id, i);
    customer.targets.forEach((target, j) => {
      const owner = owners.get(target);
      if (owner) ctx.addIssue({ code: 'custom', path: ['customers', i, 'targets', j], message: `target ${target} already belongs to ${owner}` });
      owners.set(target, customer.id);
    });
  });
});

export type Customer = z.infer<typeof customerSchema>;
export type CustomersFile = z.infer<typeof customersFileSchema>;

/** What a rollout workflow keeps of each customer; contacts, windows and preferences stay with the activities. */
export type RosterEntry = Pick<Customer, 'id' | 'name' | 'targets' | 'channel' | 'timeZone' | 'maxDeferral' | 'pinToPrevious'>;

export function rosterEntry(c: Customer): RosterEntry {
  return { id: c.id, name: c.name, targets: c.targets, channel: c.channel, timeZone: c.timeZone, maxDeferral: c.maxDeferral, pinToPrevious: c.pinToPrevious };
}

/**
 * A customers file too large to travel in the rollout's input (INLINE_CUSTOMERS_LIMIT): workers
 * read it at `path`, and only while its sha256 is still the one the client checked.
 */
export const customersFileRefSchema = z.strictObject({
  path: z.string().min(1),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'expected a hex sha256 digest'),
});
export type CustomersFileRef = z.infer<typeof customersFileRefSchema>;

/** Above this size (JSON bytes) a customers file goes by reference: Temporal warns at 512 KB per payload. */
export const INLINE_CUSTOMERS_LIMIT = 256 * 1024;

/**
 * A customer as an activity is handed one: whole, when the customers file travelled in the
 * rollout's input; by id, with the file's reference on the batch, when it went by reference.
 */
export type CustomerArg = { customer: Customer } | { customerId: string };

export const customerIdOf = (arg: CustomerArg): string => ('customer' in arg ? arg.customer.id : arg.customerId);
