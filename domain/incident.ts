import { z } from 'zod';
import { DAY, SECOND, durationBetween } from './duration';
import { freeText, lineText, nameText, proseText } from './freeText';
import { reviewSchema } from './review';

export const SEVERITIES = ['sev1', 'sev2', 'sev3', 'sev4'] as const;
export type Severity = (typeof SEVERITIES)[number];
export const severitySchema = z.enum(SEVERITIES, { error: 'expected one of sev1, sev2, sev3, sev4' });

export const INCIDENT_SOURCES = ['breaker', 'manual', 'alertmanager', 'webhook'] as const;
export type IncidentSource = (typeof INCIDENT_SOURCES)[number];

const personName = z.string().regex(/^[A-Za-z0-9._@-]{1,64}$/, 'expected a user name of letters, digits, ".", "_", "@" or "-"');

/** Someone who can be paged, and how to reach them. */
export const contactSchema = z.strictObject({
  name: personName,
  email: z.email('expected an email address').optional(),
  /** Slack user id (U…) to mention and DM. */
  slack: z.string().regex(/^[UW][A-Z0-9]{2,}$/, 'expected a Slack user id such as "U012AB3CD"').optional(),
});

/** Where a tier's pages go besides the people themselves. */
export const channelSchema = z.union([
  z.strictObject({ slack: z.string().regex(/^(#[a-z0-9._-]{1,80}|[CG][A-Z0-9]{2,})$/, 'expected "#channel-name" or a channel id') }),
  z.strictObject({ email: z.email('expected an email address') }),
], { error: 'expected { slack: "#channel" } or { email: "list@example.com" }' });

/**
 * The ranges of an escalation policy: an acknowledgement deadline above zero (0 would page every
 * tier at once) and at most a week; chains short enough to walk.
 */
export const ESCALATION_LIMITS = {
  ackDeadline: { min: SECOND, max: 7 * DAY },
  tiers: 20,
  peoplePerTier: 50,
  policies: 20,
} as const;

export const tierSchema = z.strictObject({
  name: nameText().min(1),
  /** How long this tier has to acknowledge before the next tier is paged. */
  ackDeadline: durationBetween(ESCALATION_LIMITS.ackDeadline.min, ESCALATION_LIMITS.ackDeadline.max),
  people: z.array(contactSchema).min(1, 'a tier needs at least one person').max(ESCALATION_LIMITS.peoplePerTier, `expected at most ${ESCALATION_LIMITS.peoplePerTier} people`),
  channels: z.array(channelSchema).max(10, 'expected at most 10 channels').default([]),
});

export const escalationPolicySchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'expected a lower-case name of letters, digits and "-"'),
  severities: z.array(severitySchema).min(1),
  /** Index of the tier a new incident of this policy pages first (0 = the first tier). */
  startTier: z.number().int('expected a whole number').min(0).max(ESCALATION_LIMITS.tiers - 1).default(0),
  /** How many times the whole chain is walked before the incident stays at the last tier. */
  repeat: z.number().int().min(1).max(10).default(1),
  tiers: z.array(tierSchema).min(1, 'a policy needs at least one tier').max(ESCALATION_LIMITS.tiers, `expected at most ${ESCALATION_LIMITS.tiers} tiers`),
}).refine((p) => p.startTier < p.tiers.length, { message: 'startTier must name one of the tiers', path: ['startTier'] });

/** An escalation policy file: which chain each severity walks. */
export const escalationPoliciesSchema = z.strictObject({
  /** Who approved this file, when, and when it must be reviewed again (domain/review.ts); the whole file, not each policy. */
  review: reviewSchema.optional(),
  policies: z.array(escalationPolicySchema).min(1).max(ESCALATION_LIMITS.policies, `expected at most ${ESCALATION_LIMITS.policies} policies`),
}).superRefine((file, ctx) => {
  const owner = new Map<string, string>();
  file.policies.forEach((policy, i) => {
    for (const severity of policy.severities) {
      const other = owner.get(severity);
      if (other) ctx.addIssue({ code: 'custom', path: ['policies', i, 'severities'], message: `${severity} is already handled by policy "${other}"` });
      owner.set(severity, policy.name);
    }
  });
});

export type Contact = z.infer<typeof contactSchema>;
export type Channel = z.infer<typeof channelSchema>;
export type Tier = z.infer<typeof tierSchema>;
export type EscalationPolicy = z.infer<typeof escalationPolicySchema>;
export type EscalationPolicies = z.infer<typeof escalationPoliciesSchema>;

export function policyFor(policies: EscalationPolicies, severity: Severity): EscalationPolicy | undefined {
  return policies.policies.find((p) => p.severities.includes(severity));
}

/** What opening an incident hands its workflow. Secrets never travel here. */
export const incidentInputSchema = z.strictObject({
  incidentId: z.string().regex(/^[A-Za-z0-9._-]{1,128}$/),
  severity: severitySchema,
  summary: lineText().min(1),
  source: z.enum(INCIDENT_SOURCES),
  /** Same key, same problem: alerts with a key already open join that incident. */
  dedupKey: freeText(200).min(1),
  rolloutId: z.string().optional(),
  openedBy: z.string().min(1),
  policy: escalationPolicySchema,
  details: z.record(z.string(), proseText()).default({}),
  /** The id of the alert that opened it (signalWithStart delivers that alert as a signal too). */
  openingAlertId: z.string().max(100).optional(),
  /** Opened by a drill rollout: every Slack text and mail subject it sends starts with [DRILL]. */
  drill: z.literal(true).optional(),
});

export type IncidentInput = z.input<typeof incidentInputSchema>;
