import { readFileSync } from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import { readTlsFiles, type ConnectOptions, type TemporalConfig } from '../domain/temporalConfig';

/** Opens a client Connection to Temporal as configured (TLS files read from disk now). Close it with `connection.close()`. */
export async function connectConnection(config: TemporalConfig, options: ConnectOptions = {}): Promise<Connection> {
  const tls = readTlsFiles(config.tls, readFileSync);
  try {
    return await Connection.connect({
      address: config.address,
      ...(tls ? { tls } : {}),
      ...(config.apiKey ? { apiKey: config.apiKey } : {}),
      connectTimeout: options.connectTimeoutMs ?? 10_000,
    });
  } catch (error) {
    throw new Error(`cannot connect to Temporal at ${config.address}: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * A Temporal Client for the configured address and namespace. Close it with
 * `client.connection.close()`.
 */
export async function connectClient(config: TemporalConfig, options: ConnectOptions = {}): Promise<Client> {
  const connection = await connectConnection(config, options);
  return new Client({ connection, namespace: config.namespace });
}
