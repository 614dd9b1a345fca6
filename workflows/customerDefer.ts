import { setHandler } from '@temporalio/workflow';
import { messageArgSchemas } from '../contract/messageArgs';
import { FINAL_STATES } from '../domain/rolloutStatus';
import type { CustomerRollout } from './customerRollout';
import { parseArg } from './messages';
import { deferUpdate } from '../contract/rollout';
import type { RolloutTracker } from './rolloutTracker';

/**
 * The defer Update. Its synchronous validator refuses what cannot be honoured (unknown customer,
 * pinned, already updating, beyond the allowance) so a refused deferral never enters history.
 */
export function registerDeferCommand(tracker: RolloutTracker, customers: CustomerRollout | null): void {
  setHandler(deferUpdate, (args) => (customers as CustomerRollout).defer(args.customerId, args.until, args.by, args.reason), {
    validator: (args) => {
      const { customerId, until } = parseArg('command', messageArgSchemas.defer, args);
      const { state, rolloutId } = tracker.status;
      if (FINAL_STATES.includes(state)) throw new Error(`rollout ${rolloutId} is ${state}; there is nothing left to defer`);
      if (!customers) throw new Error(`rollout ${rolloutId} was started without a customers file; there is no customer to defer`);
      const problem = customers.deferProblem(customerId, until);
      if (problem) throw new Error(problem);
    },
  });
}
