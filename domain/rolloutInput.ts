import { z } from 'zod';
import { startBreakGlassSchema } from './breakGlass';
import { customersFileRefSchema } from './customers';
import { drillMarkerSchema } from './drill';
import { releaseSchema } from './release';
import { reasonText } from './freeText';
import { trainNameSchema } from './train';

/**
 * What starting a rollout hands the workflow. Playbook and fleet travel as written so the
 * history shows exactly what was asked for; the workflow parses them again as its planning check.
 */
export const rolloutInputSchema = z.strictObject({
  rolloutId: z.string().regex(/^[A-Za-z0-9._-]{1,128}$/, 'expected letters, digits, ".", "_" or "-"'),
  playbook: z.unknown(),
  fleet: z.unknown(),
  release: releaseSchema,
  startedBy: z.string().min(1),
  /** The escalation policy file the playbook names, as written: who a breaker trip pages. */
  escalation: z.unknown().optional(),
  /** The customers file as written: who owns which targets, their windows, channels and contacts. */
  customers: z.unknown().optional(),
  /** Instead of `customers`, for a large file: where workers read it, and its digest. */
  customersFile: customersFileRefSchema.optional(),
  reason: reasonText().optional(),
  /** Set when the start went past a change-control rule (a review past its date): why, who approved, what it overrode. */
  breakGlass: startBreakGlassSchema.optional(),
  /** The release train whose scheduled run started it (`rampart rollout list --train`). */
  train: trainNameSchema.optional(),
  /** A game day (`rampart drill`, a train's drill run): pages say [DRILL], customers are never told. */
  drill: drillMarkerSchema.optional(),
});

export type RolloutInput = z.infer<typeof rolloutInputSchema>;

/** The idempotency key of one side effect: (rollout, target, version, step). */
export function changeKey(rolloutId: string, targetId: string, version: string, step: string): string {
  return `${rolloutId}/${targetId}/${version}/${step}`;
}

/**
 * The largest rollout input (as JSON) a client starts: Temporal refuses a payload above 2 MB
 * (its default blob size limit) with an error of its own, and the input is also copied into the
 * history; 1.5 MiB leaves room. Above it, big customers files already go by reference.
 */
export const MAX_ROLLOUT_INPUT_BYTES = 1536 * 1024;
