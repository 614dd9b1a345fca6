import { WorkflowNotFoundError, type Client, type WorkflowHandle } from '@temporalio/client';
import { temporalConfigFromEnv, TemporalConfigError, type TemporalConfig } from '../domain/temporalConfig';
import { EXIT, UserError } from './exitCodes';
import { connectClient } from './temporalConnection';

export function loadTemporalConfig(): TemporalConfig {
  try {
    return temporalConfigFromEnv(process.env);
  } catch (err) {
    if (err instanceof TemporalConfigError) throw new UserError(err.message, EXIT.badInput);
    throw err;
  }
}

/** Runs `use` with a connected client and always closes the connection. */
export async function withTemporal<T>(use: (client: Client, config: TemporalConfig) => Promise<T>): Promise<T> {
  const config = loadTemporalConfig();
  let client: Client;
  try {
    client = await connectClient(config, { connectTimeoutMs: 5000 });
  } catch (err) {
    throw new UserError(
      `${(err as Error).message}\nStart the embedded server with "rampart server start", or point TEMPORAL_ADDRESS at your cluster.`,
      EXIT.unreachable,
    );
  }
  try {
    return await use(client, config);
  } finally {
    await client.connection.close();
  }
}

/** The rollout's workflow handle, after checking it exists: an unknown id is exit 4, not a stack trace. */
export async function rolloutHandle(client: Client, rolloutId: string): Promise<{ handle: WorkflowHandle; running: boolean }> {
  const handle = client.workflow.getHandle(rolloutId);
  try {
    const description = await handle.describe();
    if (description.type !== 'rolloutWorkflow') throw new UserError(`${rolloutId} is not a rollout`, EXIT.notFound);
    return { handle, running: description.status.name === 'RUNNING' };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new UserError(`no rollout with id "${rolloutId}"`, EXIT.notFound);
    throw err;
  }
}
