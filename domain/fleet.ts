import { z } from 'zod';

const targetId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'expected a lower-case id of letters, digits and "-"');

const localTarget = z.strictObject({
  id: targetId,
  adapter: z.literal('local'),
  /** Directory holding releases/, current and the install journal. */
  dir: z.string().min(1),
  /** Base URL serving /health and /metrics. */
  url: z.url(),
  /** Control URL of the fleet supervisor that restarts this target's process. */
  supervisorUrl: z.url(),
  labels: z.record(z.string(), z.string()).default({}),
});

const webhookTarget = z.strictObject({
  id: targetId,
  adapter: z.literal('webhook'),
  /** Receives signed JSON commands: install, rollback. */
  url: z.url(),
  /** Serves /health and /metrics for the gate. */
  healthUrl: z.url(),
  /** Name of the environment variable holding the HMAC secret: never the secret itself. */
  secretEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'expected an environment variable name'),
  labels: z.record(z.string(), z.string()).default({}),
});

const noopTarget = z.strictObject({
  id: targetId,
  adapter: z.literal('noop'),
  labels: z.record(z.string(), z.string()).default({}),
});

export const targetSchema = z.discriminatedUnion('adapter', [localTarget, webhookTarget, noopTarget]);

/** Targets in one fleet: what one rollout's planning, leases and batches are built for. */
export const MAX_FLEET_TARGETS = 100_000;

export const fleetSchema = z
  .strictObject({
    name: z.string().min(1),
    /**
     * Version the fleet was set up with. A rollout reads what each target really runs when it
     * starts (its last known good state); this is only the fallback for a target that cannot say.
     */
    version: z.string().min(1),
    targets: z.array(targetSchema).min(1, 'a fleet needs at least one target').max(MAX_FLEET_TARGETS, `expected at most ${MAX_FLEET_TARGETS} targets`),
  })
  .superRefine((fleet, ctx) => {
    const seen = new Set<string>();
    fleet.targets.forEach((target, index) => {
      if (seen.has(target.id)) {
        ctx.addIssue({ code: 'custom', path: ['targets', index, 'id'], message: `duplicate target id "${target.id}"` });
      }
      seen.add(target.id);
    });
  });

export type Target = z.infer<typeof targetSchema>;
export type Fleet = z.infer<typeof fleetSchema>;
