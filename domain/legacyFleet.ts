import { z } from 'zod';

/**
 * The fleet as rollouts read it before target dirs were confined to a root (patch
 * 'confined-fleet-dirs' in workflows/rolloutPlanning.ts): absolute dirs, any URL. Only a history
 * recorded before that patch is replayed with it, so that it issues the commands it issued then;
 * every new rollout reads domain/fleet.ts. The local adapter refuses a target without a root, so
 * such a rollout can no longer change a local target.
 */
const id = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/);
const labels = z.record(z.string(), z.string()).default({});

const legacyTarget = z.discriminatedUnion('adapter', [
  z.strictObject({ id, adapter: z.literal('local'), dir: z.string().min(1), url: z.url(), supervisorUrl: z.url(), labels }),
  z.strictObject({ id, adapter: z.literal('webhook'), url: z.url(), healthUrl: z.url(), secretEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/), labels }),
  z.strictObject({ id, adapter: z.literal('noop'), labels }),
]);

export const legacyFleetSchema = z
  .strictObject({ name: z.string().min(1), version: z.string().min(1), targets: z.array(legacyTarget).min(1) })
  .superRefine((fleet, ctx) => {
    const seen = new Set<string>();
    fleet.targets.forEach((target, index) => {
      if (seen.has(target.id)) ctx.addIssue({ code: 'custom', path: ['targets', index, 'id'], message: `duplicate target id "${target.id}"` });
      seen.add(target.id);
    });
  });
