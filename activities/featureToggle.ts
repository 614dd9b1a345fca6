import { ApplicationFailure } from '@temporalio/common';
import { featureNameSchema } from '../domain/release';
import { adapterFor } from './adapters';
import type { FeatureChange, FeatureResult } from './adapters/types';
import { heartbeating, withFinalErrors } from './targetActions';

/**
 * Graceful degradation: switch one feature on or off on one target, instead of (or before) a
 * rollback. Idempotent on `change.key`, like installTarget; a retry re-sends the same key.
 */
export async function setTargetFeature(change: FeatureChange): Promise<FeatureResult> {
  if (!featureNameSchema.safeParse(change.feature).success) {
    throw ApplicationFailure.nonRetryable(
      `feature "${change.feature}" on ${change.target.id}: expected a name such as "new-checkout" (lower-case letters, digits and "-", at most 63)`,
      'ConfigurationError',
    );
  }
  return withFinalErrors(() => heartbeating((signal) => adapterFor(change.target).setFeature(change, signal)));
}
