/**
 * A duration as rollouts and incidents read it before issue 9 gave every duration and count a range
 * (patch 'bounded-input' in workflows/rolloutPlanning.ts and workflows/incident.ts). Only a history
 * recorded before that patch is replayed with it, so it issues the commands it issued then; every
 * new workflow, and every client, reads the bounded schemas. Frozen: do not change.
 */
import { z } from 'zod';

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const DURATION = /^(\d+)(ms|s|m|h|d)$/;

function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text.trim());
  if (!match) return undefined;
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

export const durationSchema = z
  .string({ error: 'expected a duration such as "10m"' })
  .refine((text) => parseDuration(text) !== undefined, { message: 'expected a duration such as "10m"' })
  .transform((text) => parseDuration(text) as number);
