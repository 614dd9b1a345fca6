import { z } from 'zod';
import { commandArgsSchema } from './commands';
import { severitySchema } from './incident';

export const INCIDENT_COMMANDS = ['ack', 'resolve', 'escalate'] as const;
export type IncidentCommand = (typeof INCIDENT_COMMANDS)[number];
export const incidentCommandArgsSchema = commandArgsSchema;
export const resolveArgsSchema = commandArgsSchema.extend({
  rootCause: z.string().max(2000).optional(),
});

/** A monitoring alert or a human report, normalised: what opens or joins an incident. */
export const alertEventSchema = z.strictObject({
  source: z.enum(['alertmanager', 'webhook', 'manual', 'breaker']),
  severity: severitySchema,
  summary: z.string().min(1).max(500),
  dedupKey: z.string().min(1).max(200),
  rolloutId: z.string().optional(),
  details: z.record(z.string(), z.string()).default({}),
  status: z.enum(['firing', 'resolved']).default('firing'),
});
export type AlertEvent = z.input<typeof alertEventSchema>;
