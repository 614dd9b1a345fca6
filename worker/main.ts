import { TemporalConfigError } from '../domain/temporalConfig';
import { WorkerConfigError, workerConfigFromEnv, type WorkerConfig } from './config';
import { createRampartWorker } from './createWorker';
import { connectNative } from './nativeConnection';

/** The worker process: connects as configured by the environment and runs until SIGINT/SIGTERM. */
async function main(): Promise<void> {
  let config: WorkerConfig;
  try {
    config = workerConfigFromEnv(process.env);
  } catch (err) {
    if (err instanceof TemporalConfigError || err instanceof WorkerConfigError) {
      console.error(`rampart worker: ${err.message}`);
      process.exit(2);
    }
    throw err;
  }
  const { temporal, activities } = config;
  const connection = await connectNative(temporal).catch((err: Error) => {
    console.error(`rampart worker: ${err.message}`);
    process.exit(5);
  });
  const worker = await createRampartWorker({ connection, namespace: temporal.namespace, taskQueue: temporal.taskQueue, dependencies: activities });
  console.log(`rampart worker: polling task queue "${temporal.taskQueue}" on ${temporal.address} (namespace ${temporal.namespace})`);
  await worker.run();
  // Pooled SMTP connections would keep the process alive after the worker has stopped polling.
  activities.mail.close();
  await activities.sentLedger?.close?.();
  await connection.close();
}

main().catch((err) => {
  console.error(`rampart worker: unexpected failure: ${(err as Error).stack ?? err}`);
  process.exit(1);
});
