import { ApplicationFailure } from '@temporalio/common';
import { featureNameSchema } from '../domain/release';
import type { DeployAdapters } from './adapters';
import type { FeatureChange, FeatureResult } from './adapters/types';
import { heartbeating, withFinalErrors } from './targetActions';

export function featureActivities(adapters: DeployAdapters) {
  return {
    /**
     * Graceful degradation: switch one feature on or off on one target, instead of (or before) a
     * rollback. Idempotent on `change.key`, like installTarget; a retry re-sends the same key.
     */
    async setTargetFeature(change: FeatureChange): Promise<FeatureResult> {
      if (!featureNameSchema.safeParse(change.feature).success) {
        throw ApplicationFailure.nonRetryable(
          `feature "${change.feature}" on ${change.target.id}: expected a name such as "new-checkout" (lower-case letters, digits and "-", at most 63)`,
          'ConfigurationError',
        );
      }
      return withFinalErrors(() => heartbeating((signal) => adapters[change.target.adapter].setFeature(change, signal)));
    },
  };
}
