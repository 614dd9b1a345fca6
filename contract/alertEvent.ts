import { z } from 'zod';
import { severitySchema } from '../domain/incident';
import { freeText, lineText, proseText } from '../domain/freeText';

/** A monitoring alert or a human report, normalised: what opens or joins an incident. */
export const alertEventSchema = z.strictObject({
  source: z.enum(['alertmanager', 'webhook', 'manual', 'breaker']),
  severity: severitySchema,
  summary: lineText().min(1, 'expected a non-empty summary'),
  dedupKey: freeText(200).min(1),
  rolloutId: z.string().regex(/^[A-Za-z0-9._-]{1,128}$/, 'expected a rollout id of letters, digits, ".", "_" or "-"').optional(),
  details: z.record(z.string(), proseText()).default({}),
  status: z.enum(['firing', 'resolved']).default('firing'),
  /** Set by the incident client; the opening alert is not a duplicate of itself. */
  alertId: z.string().max(100).optional(),
});
export type AlertEvent = z.input<typeof alertEventSchema>;
