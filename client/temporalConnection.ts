import { readFileSync } from 'node:fs';
import { Client, Connection, type TLSConfig } from '@temporalio/client';
import type { TemporalConfig, TemporalTlsConfig } from '../domain/temporalConfig';

export interface ConnectOptions {
  /** How long to wait for the server to answer before giving up; default 10 s. */
  connectTimeoutMs?: number;
}

function readPem(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new Error(`cannot read the TLS ${what} ${file}: ${(error as Error).message}`);
  }
}

/**
 * The SDK's TLS settings from file paths (read now, from disk); `undefined` means plain text.
 * Shared by the client and the worker's NativeConnection.
 */
export function loadTlsConfig(tls: TemporalTlsConfig | undefined): TLSConfig | undefined {
  if (!tls) return undefined;
  const config: TLSConfig = {};
  if (tls.serverName) config.serverNameOverride = tls.serverName;
  if (tls.caPath) config.serverRootCACertificate = readPem(tls.caPath, 'CA certificate (TEMPORAL_TLS_CA)');
  if (tls.certPath && tls.keyPath) {
    config.clientCertPair = {
      crt: readPem(tls.certPath, 'client certificate (TEMPORAL_TLS_CERT)'),
      key: readPem(tls.keyPath, 'client key (TEMPORAL_TLS_KEY)'),
    };
  }
  return config;
}

/** Opens a client Connection to Temporal as configured. Close it with `connection.close()`. */
export async function connectConnection(config: TemporalConfig, options: ConnectOptions = {}): Promise<Connection> {
  const tls = loadTlsConfig(config.tls);
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
