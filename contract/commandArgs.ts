import { z } from 'zod';
import { noteText, reasonText } from '../domain/freeText';

const actor = z.string().regex(/^[A-Za-z0-9._@-]{1,64}$/, 'expected a user name of letters, digits, ".", "_", "@" or "-"');

/** What every human command carries: who gives it and, optionally, why. */
export const commandArgsSchema = z.strictObject({
  by: actor,
  reason: reasonText().optional(),
});

export const stopArgsSchema = commandArgsSchema.extend({
  then: z.enum(['rollback', 'hold'], { error: 'expected rollback or hold' }).default('rollback'),
});

export const resolveArgsSchema = commandArgsSchema.extend({
  rootCause: noteText().optional(),
});

export type CommandArgs = z.infer<typeof commandArgsSchema>;
export type StopArgs = z.input<typeof stopArgsSchema>;
export type ResolveArgs = z.input<typeof resolveArgsSchema>;
