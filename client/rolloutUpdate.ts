import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { RolloutStatus } from '../domain/rolloutStatus';
import { EXIT, UserError } from './exitCodes';
import { rolloutHandle, withTemporal } from './temporalSession';

/**
 * Sends one command to a running rollout as a Temporal Update and prints its answer. A finished
 * rollout or a validator's rejection is exit 3 with the reason; an unknown rollout is exit 4.
 */
export async function sendRolloutUpdate(rolloutId: string, name: string, args: unknown, json: boolean): Promise<void> {
  await withTemporal(async (client) => {
    const { handle, running } = await rolloutHandle(client, rolloutId);
    if (!running) {
      const status = await handle.query<RolloutStatus>('status').catch(() => null);
      const state = status ? `${status.state}${status.outcome ? ` (${status.outcome.reason})` : ''}` : 'finished';
      throw new UserError(`${name} rejected: rollout ${rolloutId} is ${state}; it takes no more commands`, EXIT.rejected);
    }
    try {
      const answer = await handle.executeUpdate<string, [unknown]>(name, { args: [args] });
      console.log(json ? JSON.stringify({ rolloutId, command: name, accepted: true, message: answer }) : answer);
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError) {
        throw new UserError(`${name} rejected: ${err.cause?.message ?? err.message}`, EXIT.rejected);
      }
      throw err;
    }
  });
}
