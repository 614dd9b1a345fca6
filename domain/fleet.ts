import { z } from 'zod';
import { absoluteFolderSchema, isSameOrBelow, joinBelow, relativeDirSchema } from './confinedPath';
import { safeUrlSchema } from './safeUrl';

const targetId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'expected a lower-case id of letters, digits and "-"');
const targetUrl = safeUrlSchema({ secretHome: 'the environment (a webhook target names its variable in secretEnv)' });

const localTarget = z.strictObject({
  id: targetId,
  adapter: z.literal('local'),
  /** Directory holding releases/, current and the install journal, relative to the fleet's root. */
  dir: relativeDirSchema,
  /** The fleet's root, copied onto each local target when the fleet is parsed, so an activity handed one target knows it. */
  root: absoluteFolderSchema.optional(),
  /** Base URL serving /health and /metrics. */
  url: targetUrl,
  /** Control URL of the fleet supervisor that restarts this target's process. */
  supervisorUrl: targetUrl,
  labels: z.record(z.string(), z.string()).default({}),
});

const webhookTarget = z.strictObject({
  id: targetId,
  adapter: z.literal('webhook'),
  /** Receives signed JSON commands: install, rollback. */
  url: targetUrl,
  /** Serves /health and /metrics for the gate. */
  healthUrl: targetUrl,
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

type LocalTargetShape = z.output<typeof localTarget>;

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
    /** The folder every local target's `dir` is relative to and confined to (absolute). */
    root: absoluteFolderSchema.optional(),
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
    checkLocalDirs(fleet, ctx);
  })
  .transform((fleet) => ({
    ...fleet,
    targets: fleet.targets.map((t) => {
      const root = t.adapter === 'local' ? (t.root ?? fleet.root) : undefined;
      return t.adapter === 'local' && root !== undefined ? { ...t, root } : t;
    }),
  }));

/**
 * Local targets write releases into their own folder: each below its fleet's root (the fleet's
 * `root`, or the one a parsed target already carries), and no two the same or one inside another
 * (two targets switching one `current` link would run each other's releases, and a rollback of
 * one would undo the other).
 */
function checkLocalDirs(fleet: { root?: string | undefined; targets: z.output<typeof targetSchema>[] }, ctx: z.RefinementCtx): void {
  const locals = fleet.targets.flatMap((t, index) => (t.adapter === 'local' ? [{ target: t as LocalTargetShape, index, root: (t as LocalTargetShape).root ?? fleet.root }] : []));
  const rootless = locals.find((l) => l.root === undefined);
  if (rootless) {
    ctx.addIssue({ code: 'custom', path: ['root'], message: `is required with local targets (${rootless.target.id} …): the absolute folder their dirs are relative to, such as "/srv/fleet"` });
    return;
  }
  for (const { target, index } of locals) {
    if (target.root !== undefined && fleet.root !== undefined && target.root !== fleet.root) {
      ctx.addIssue({ code: 'custom', path: ['targets', index, 'root'], message: `target ${target.id}: root "${target.root}" differs from the fleet's root "${fleet.root}"; leave it out` });
    }
  }
  const placed = locals.map((l) => ({ ...l, folder: joinBelow(l.root!, l.target.dir) }));
  placed.forEach(({ target, index, folder }, i) => {
    const clash = placed.slice(0, i).find((other) => isSameOrBelow(folder, other.folder) || isSameOrBelow(other.folder, folder));
    if (!clash) return;
    const how = clash.folder === folder ? 'is also' : isSameOrBelow(folder, clash.folder) ? 'is inside' : 'contains';
    ctx.addIssue({ code: 'custom', path: ['targets', index, 'dir'], message: `target ${target.id}: dir "${target.dir}" ${how} target ${clash.target.id}'s dir "${clash.target.dir}"; every local target needs a folder of its own` });
  });
}

export type Target = z.infer<typeof targetSchema>;
export type Fleet = z.infer<typeof fleetSchema>;
export type LocalTarget = Extract<Target, { adapter: 'local' }>;

/**
 * Where a parsed local target's folder is: its dir below the fleet's root, as a string. The
 * activities check the real path on disk again before writing (activities/adapters/local/targetFolder.ts).
 */
export function targetFolder(target: LocalTarget): string {
  if (target.root === undefined) throw new Error(`target ${target.id} has no fleet root: parse its fleet with fleetSchema`);
  return joinBelow(target.root, target.dir);
}
