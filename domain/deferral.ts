import { z } from 'zod';
import { reasonText } from './freeText';

/** A customer's request to put their update off: from the CLI or the status portal. */
export const deferArgsSchema = z.strictObject({
  customerId: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'expected a customer id'),
  /** Until when (ISO 8601 with a zone, e.g. "2026-11-30T09:00:00Z"). */
  until: z.iso.datetime({ offset: true, error: 'expected an ISO 8601 time such as "2026-11-30T09:00:00Z"' }),
  /** Who asked: a person, or "customer:<id>" from the portal. */
  by: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9 ._@:+-]{0,99}$/, 'expected a name (letters, digits, space, . _ @ : + -)'),
  reason: reasonText().optional(),
});

export type DeferArgs = z.infer<typeof deferArgsSchema>;
