import type { Target } from '../../domain/fleet';
import type { SecretLookup } from '../secrets';
import { LocalAdapter } from './local/localAdapter';
import { NoopAdapter } from './noop/noopAdapter';
import type { DeployAdapter } from './types';
import { WebhookAdapter } from './webhook/webhookAdapter';

export type { ChangeResult, DeployAdapter, HealthProbe, TargetChange } from './types';

/** One adapter per kind of target. */
export type DeployAdapters = Record<Target['adapter'], DeployAdapter>;

/**
 * The adapters of one worker, one instance per kind: the local adapter serialises changes per
 * target directory and the noop adapter remembers versions, both of which need a shared instance.
 */
export function createDeployAdapters(deps: { secret: SecretLookup }): DeployAdapters {
  return {
    local: new LocalAdapter(),
    webhook: new WebhookAdapter({ secret: deps.secret }),
    noop: new NoopAdapter(),
  };
}
