import { z } from 'zod';

/** Names of the Temporal Updates and Query a rollout answers; shared by workflow and CLI. */
export const ROLLOUT_COMMANDS = ['pause', 'resume', 'approve', 'promote', 'stop', 'rollback'] as const;
export type RolloutCommand = (typeof ROLLOUT_COMMANDS)[number];
export const ROLLOUT_STATUS_QUERY = 'status';

const actor = z.string().regex(/^[A-Za-z0-9._@-]{1,64}$/, 'expected a user name of letters, digits, ".", "_", "@" or "-"');

export const commandArgsSchema = z.strictObject({
  by: actor,
  reason: z.string().max(500, 'keep the reason under 500 characters').optional(),
});

export const stopArgsSchema = commandArgsSchema.extend({
  then: z.enum(['rollback', 'hold'], { error: 'expected rollback or hold' }).default('rollback'),
});

export type CommandArgs = z.infer<typeof commandArgsSchema>;
export type StopArgs = z.input<typeof stopArgsSchema>;
