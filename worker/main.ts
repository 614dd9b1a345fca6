import { temporalConfigFromEnv, TemporalConfigError } from '../domain/temporalConfig';
import { closeMailTransport } from '../activities/notify/mailTransport';
import { createRampartWorker } from './createWorker';
import { connectNative } from './nativeConnection';

/** The worker process: connects as configured by the environment and runs until SIGINT/SIGTERM. */
async function main(): Promise<void> {
  let config;
  try {
    config = temporalConfigFromEnv(process.env);
  } catch (err) {
    if (err instanceof TemporalConfigError) {
      console.error(`rampart worker: ${err.message}`);
      process.exit(2);
    }
    throw err;
  }
  const connection = await connectNative(config).catch((err: Error) => {
    console.error(`rampart worker: ${err.message}`);
    process.exit(5);
  });
  const worker = await createRampartWorker({ connection, namespace: config.namespace, taskQueue: config.taskQueue });
  console.log(`rampart worker: polling task queue "${config.taskQueue}" on ${config.address} (namespace ${config.namespace})`);
  await worker.run();
  // Pooled SMTP connections would keep the process alive after the worker has stopped polling.
  closeMailTransport();
  await connection.close();
}

main().catch((err) => {
  console.error(`rampart worker: unexpected failure: ${(err as Error).stack ?? err}`);
  process.exit(1);
});
