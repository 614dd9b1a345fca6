/**
 * The customers file as rollouts and incidents read it before issue 9 gave every duration and count a range
 * (patch 'bounded-input' in workflows/rolloutPlanning.ts and workflows/incident.ts). Only a history
 * recorded before that patch is replayed with it, so it issues the commands it issued then; every
 * new workflow, and every client, reads the bounded schemas. Frozen: do not change.
 */
import { z } from 'zod';
import { durationSchema } from './duration';

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

const ROUTINE_CATEGORIES = ['pre-deployment', 'post-deployment', 'digest'] as const;

const maintenanceWindowSchema = z.strictObject({
  day: z.enum(DAYS, { error: `expected one of ${DAYS.join(', ')}` }),
  start: clock,
  duration: durationSchema.refine((ms) => ms >= 15 * 60_000 && ms <= 24 * 3_600_000, { message: 'expected a window from 15m to 24h' }),
});

const customerSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'expected a lower-case id of letters, digits and "-"'),
  name: z.string().min(1),
  /** Fleet target ids that belong to this customer. */
  targets: z.array(z.string().min(1)).min(1, 'a customer needs at least one target'),
  contacts: z.strictObject({
    emails: z.array(z.email('expected an email address')).default([]),
    slack: z.string().regex(/^(#[a-z0-9._-]{1,80}|[CG][A-Z0-9]{2,})$/, 'expected "#channel-name" or a channel id').optional(),
    webhook: z.strictObject({
      url: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }),
      /** Environment variable holding the HMAC secret: never the secret itself. */
      secretEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'expected an environment variable name'),
    }).optional(),
  }).refine((c) => c.emails.length > 0 || c.slack !== undefined || c.webhook !== undefined, { message: 'give at least one way to reach the customer' }),
  channel: z.enum(['early-access', 'stable'], { error: 'expected early-access or stable' }).default('stable'),
  timeZone: timeZoneSchema,
  maintenanceWindows: z.array(maintenanceWindowSchema).min(1, 'a customer needs at least one maintenance window'),
  /** How long the customer may put an update off. */
  maxDeferral: durationSchema.default(7 * 86_400_000),
  /** Stay on the previous release line (N-1): rollouts of a new line skip this customer. */
  pinToPrevious: z.boolean().default(false),
  optOut: z.array(z.enum(ROUTINE_CATEGORIES, { error: `expected one of ${ROUTINE_CATEGORIES.join(', ')}; security and incident notices cannot be opted out of` })).default([]),
  quietHours: z.strictObject({ start: clock, end: clock }).optional(),
  routineNoticesPerWeek: z.number().int().min(0).max(50).default(3),
});

export const customersFileSchemaBeforeLimits = z.strictObject({
  customers: z.array(customerSchema).min(1),
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
