import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import { URGENT_CATEGORIES, type CustomerNotice, type DeliverNoticeArgs } from '../../domain/customerNotice';
import { ROUTINE_CATEGORIES, type Customer } from '../../domain/customers';
import { describeErrors, parseInput } from '../../domain/issues';
import { safeUrlSchema } from '../../domain/safeUrl';

const KINDS = ['pre-deployment', 'post-deployment', 'incident', 'incident-update', 'incident-resolved', 'digest'] as const;
const CATEGORIES = ['pre-deployment', 'post-deployment', 'digest', 'security', 'incident'] as const;
const iso = z.iso.datetime({ offset: true, error: 'expected an ISO 8601 time' });
const line = z.string().max(500);
const prose = z.string().max(20_000);

const factsSchema = z.object({
  release: z.string().min(1).max(100),
  fromVersion: z.string().max(100),
  component: z.string().min(1).max(80),
  releaseNotes: prose,
  security: z.boolean(),
  window: z.object({ opensAt: iso, closesAt: iso, label: z.string().min(1).max(200) }).optional(),
  expectedImpact: prose.optional(),
  expectedDowntime: line.optional(),
  howToDefer: prose.optional(),
  deferUntilLatest: iso.optional(),
  impact: prose.optional(),
  action: prose.optional(),
  nextUpdateAt: iso.optional(),
  reportProblem: prose.optional(),
  changes: z.array(z.object({ at: iso, text: z.string().min(1).max(2_000) })).max(200).optional(),
  portalUrl: safeUrlSchema().optional(),
});

const noticeSchema = z
  .object({
    // Printable ASCII without spaces: the key becomes an HTTP header and part of a Message-ID.
    key: z.string().regex(/^[\x21-\x7e]{1,400}$/, 'expected 1-400 printable ASCII characters without spaces'),
    rolloutId: z.string().min(1),
    kind: z.enum(KINDS),
    category: z.enum(CATEGORIES),
    createdAt: iso,
    facts: factsSchema,
  })
  .refine((n) => !n.kind.startsWith('incident') || URGENT_CATEGORIES.includes(n.category), {
    path: ['category'],
    message: 'an incident notice must be in the incident or security category: customers cannot opt out of it',
  }) satisfies z.ZodType<CustomerNotice>;

const knownZones = new Set<string>();

/** Whether the tz database knows the zone; remembered, since building a formatter to ask is slow. */
function knownTimeZone(zone: string): boolean {
  if (knownZones.has(zone)) return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
  } catch {
    return false;
  }
  knownZones.add(zone);
  return true;
}

const clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected a 24-hour time such as "02:30"');

/**
 * The parts of an already parsed customer (domain/customers.ts, defaults applied) that delivery
 * relies on; the rest passes through untouched.
 */
const customerSchema = z.looseObject({
  id: z.string().min(1),
  name: z.string().min(1),
  timeZone: z.string().refine(knownTimeZone, 'expected an IANA time zone'),
  contacts: z.looseObject({
    emails: z.array(z.email()),
    slack: z.string().min(1).optional(),
    webhook: z.object({ url: safeUrlSchema(), secretEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/) }).optional(),
  }),
  optOut: z.array(z.enum(ROUTINE_CATEGORIES)),
  quietHours: z.object({ start: clock, end: clock }).optional(),
  routineNoticesPerWeek: z.number().int().min(0),
});

/**
 * The activity's arguments, checked: the notice's shape, and the customer's fields that decide
 * and address the delivery. Bad arguments are a bug in the caller:
 * non-retryable InvalidInput naming the field.
 */
export function parseNoticeArgs(args: DeliverNoticeArgs): { notice: CustomerNotice; customer: Customer } {
  const notice = parseInput(noticeSchema, args?.notice);
  if (!notice.ok) throw ApplicationFailure.nonRetryable(`invalid customer notice: ${describeErrors(notice.errors)}`, 'InvalidInput');
  const customer = parseInput(customerSchema, args?.customer);
  if (!customer.ok) throw ApplicationFailure.nonRetryable(`invalid customer: ${describeErrors(customer.errors)}`, 'InvalidInput');
  return { notice: notice.value, customer: args.customer };
}
