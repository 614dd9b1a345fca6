import type { Target } from '../../domain/fleet';
import { LocalAdapter } from './local/localAdapter';
import { NoopAdapter } from './noop/noopAdapter';
import type { DeployAdapter } from './types';
import { WebhookAdapter } from './webhook/webhookAdapter';

export type { ChangeResult, DeployAdapter, HealthProbe, TargetChange } from './types';

// One instance per kind for the whole worker: the local adapter serialises changes per target
// directory and the noop adapter remembers versions, both of which need a shared instance.
const adapters = {
  local: new LocalAdapter(),
  webhook: new WebhookAdapter(),
  noop: new NoopAdapter(),
} satisfies Record<Target['adapter'], DeployAdapter>;

/** The adapter that drives this kind of target. */
export function adapterFor(target: Target): DeployAdapter {
  return adapters[target.adapter];
}
