/**
 * An escalation policy as rollouts and incidents read it before issue 9 gave every duration and count a range
 * (patch 'bounded-input' in workflows/rolloutPlanning.ts and workflows/incident.ts). Only a history
 * recorded before that patch is replayed with it, so it issues the commands it issued then; every
 * new workflow, and every client, reads the bounded schemas. Frozen: do not change.
 */
import { z } from 'zod';
import { severitySchema } from '../incident';
import { durationSchema } from './duration';

const personName = z.string().regex(/^[A-Za-z0-9._@-]{1,64}$/, 'expected a user name of letters, digits, ".", "_", "@" or "-"');

/** Someone who can be paged, and how to reach them. */
const contactSchema = z.strictObject({
  name: personName,
  email: z.email('expected an email address').optional(),
  /** Slack user id (U…) to mention and DM. */
  slack: z.string().regex(/^[UW][A-Z0-9]{2,}$/, 'expected a Slack user id such as "U012AB3CD"').optional(),
});

/** Where a tier's pages go besides the people themselves. */
const channelSchema = z.union([
  z.strictObject({ slack: z.string().regex(/^(#[a-z0-9._-]{1,80}|[CG][A-Z0-9]{2,})$/, 'expected "#channel-name" or a channel id') }),
  z.strictObject({ email: z.email('expected an email address') }),
], { error: 'expected { slack: "#channel" } or { email: "list@example.com" }' });

const tierSchema = z.strictObject({
  name: z.string().min(1),
  /** How long this tier has to acknowledge before the next tier is paged. */
  ackDeadline: durationSchema,
  people: z.array(contactSchema).min(1, 'a tier needs at least one person'),
  channels: z.array(channelSchema).default([]),
});

export const escalationPolicySchemaBeforeLimits = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'expected a lower-case name of letters, digits and "-"'),
  severities: z.array(severitySchema).min(1),
  /** Index of the tier a new incident of this policy pages first (0 = the first tier). */
  startTier: z.number().int().min(0).default(0),
  /** How many times the whole chain is walked before the incident stays at the last tier. */
  repeat: z.number().int().min(1).max(10).default(1),
  tiers: z.array(tierSchema).min(1, 'a policy needs at least one tier'),
}).refine((p) => p.startTier < p.tiers.length, { message: 'startTier must name one of the tiers', path: ['startTier'] });

/** An escalation policy file: which chain each severity walks. */
export const escalationPoliciesSchemaBeforeLimits = z.strictObject({
  policies: z.array(escalationPolicySchemaBeforeLimits).min(1),
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
