import { readFileSync } from 'node:fs';
import { NativeConnection } from '@temporalio/worker';
import { readTlsFiles, type ConnectOptions, type TemporalConfig } from '../domain/temporalConfig';

/**
 * The worker's NativeConnection to Temporal as configured (TLS files read from disk now).
 * Close it with `connection.close()` after the worker has stopped.
 */
export async function connectNative(config: TemporalConfig, options: ConnectOptions = {}): Promise<NativeConnection> {
  const tls = readTlsFiles(config.tls, readFileSync);
  const timeoutMs = options.connectTimeoutMs ?? 10_000;
  const attempt = NativeConnection.connect({
    address: config.address,
    ...(tls ? { tls } : {}),
    ...(config.apiKey ? { apiKey: config.apiKey } : {}),
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([attempt, timeout]);
  } catch (error) {
    // A connection that arrives after we gave up is closed, not leaked.
    attempt.then((late) => late.close()).catch(() => undefined);
    throw new Error(`cannot connect to Temporal at ${config.address}: ${(error as Error).message}`, { cause: error });
  } finally {
    clearTimeout(timer);
  }
}
