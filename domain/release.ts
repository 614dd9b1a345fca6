import { z } from 'zod';

export const versionSchema = z
  .string()
  .regex(/^[0-9A-Za-z][0-9A-Za-z.+-]{0,63}$/, 'expected a version such as "1.4.2"');

/** What a rollout ships: the artifact, its digest and the metadata planning requires. */
export const releaseSchema = z.strictObject({
  version: versionSchema,
  artifactPath: z.string().min(1),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lower-case hex digits'),
  notes: z.string().min(1, 'release notes are required'),
});

/** The manifest inside every artifact (release.json at the archive root). */
export const manifestSchema = z.strictObject({
  version: versionSchema,
  notes: z.string(),
  builtAt: z.string(),
  fault: z
    .strictObject({
      errorRate: z.number().min(0).max(1).optional(),
      latencyMs: z.number().int().min(0).optional(),
      crash: z.boolean().optional(),
    })
    .optional(),
});

export type Release = z.infer<typeof releaseSchema>;
export type Manifest = z.infer<typeof manifestSchema>;
