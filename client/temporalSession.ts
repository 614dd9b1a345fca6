import { NamespaceNotFoundError, type Client } from '@temporalio/client';
import { temporalConfigFromEnv, TemporalConfigError, type TemporalConfig } from '../domain/temporalConfig';
import { UnreachableError } from './errors';
import { IncidentClient } from './incidentClient';
import { RolloutClient } from './rolloutClient';
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
    throw new UnreachableError(
      `${(err as Error).message}\nStart the embedded server with "rampart server start", or point TEMPORAL_ADDRESS at your cluster.`,
      { cause: err },
    );
  }
  try {
    return await use(client, config);
  } catch (err) {
    // Temporal answers a mistyped namespace only at the first call: a setting to fix, not a crash.
    if (err instanceof NamespaceNotFoundError) throw new UserError(`TEMPORAL_NAMESPACE: no namespace "${config.namespace}" on ${config.address}`, EXIT.badInput);
    throw err;
  } finally {
    await client.connection.close();
  }
}

export function withRollouts<T>(use: (rollouts: RolloutClient, config: TemporalConfig) => Promise<T>): Promise<T> {
  return withTemporal((client, config) => use(new RolloutClient(client, config.taskQueue), config));
}

export function withIncidents<T>(use: (incidents: IncidentClient, config: TemporalConfig) => Promise<T>): Promise<T> {
  return withTemporal((client, config) => use(new IncidentClient(client, config.taskQueue), config));
}
