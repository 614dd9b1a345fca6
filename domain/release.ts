import { z } from 'zod';
import { proseText } from './freeText';

export const versionSchema = z
  .string()
  .regex(/^[0-9A-Za-z][0-9A-Za-z.+-]{0,63}$/, 'expected a version such as "1.4.2"');

/** What a rollout ships: the artifact, its digest and the metadata planning requires. */
export const releaseSchema = z.strictObject({
  version: versionSchema,
  artifactPath: z.string().min(1),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lower-case hex digits'),
  notes: proseText().min(1, 'release notes are required'),
});

/** A feature that can be switched off on a target for graceful degradation, such as "new-checkout". */
export const featureNameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'expected a feature name such as "new-checkout" (lower-case letters, digits and "-", at most 63)');

/** Feature switches of one target (DIR/features.json on a local target); a feature not named is on. */
export const featureStatesSchema = z.record(featureNameSchema, z.boolean());

/**
 * How a test release misbehaves once running. With `feature`, errorRate and latencyMs apply only
 * while that feature is on on the target (switching it off is the graceful degradation); a crash
 * happens regardless.
 */
export const faultSchema = z
  .strictObject({
    errorRate: z.number().min(0).max(1).optional(),
    /** Added to every request: at most a minute, so a target still answers within a health read's patience. */
    latencyMs: z.number().int().min(0).max(60_000, 'expected at most 60000 ms (1 minute)').optional(),
    crash: z.boolean().optional(),
    /** A slow boot: the process serves nothing (not even /health) for this long after it starts, so installing it is slow. */
    startDelayMs: z.number().int().min(0).max(600_000).optional(),
    feature: featureNameSchema.optional(),
  })
  .refine((f) => f.feature === undefined || f.errorRate !== undefined || f.latencyMs !== undefined, {
    message: 'a fault with a feature needs an errorRate or latencyMs for the feature to gate',
    path: ['feature'],
  });

/** The manifest inside every artifact (release.json at the archive root). */
export const manifestSchema = z.strictObject({
  version: versionSchema,
  notes: proseText(),
  builtAt: z.string(),
  fault: faultSchema.optional(),
});

export type Release = z.infer<typeof releaseSchema>;
export type Manifest = z.infer<typeof manifestSchema>;
export type FeatureStates = z.infer<typeof featureStatesSchema>;
