/**
 * A Rampart worker process for the fault campaign: worker/main.ts's steps (configuration from the
 * environment, the same createRampartWorker, the same "polling task queue" line, mail and ledger
 * closed at the end) with one difference: the workflow code comes ready-bundled from the file
 * RAMPART_TEST_WORKFLOW_BUNDLE. The campaign restarts workers dozens of times, and bundling in
 * each would cost ~8 CPU-seconds a start on a shared 2-core machine instead of ~1.5.
 *
 *   RAMPART_TEST_WORKFLOW_BUNDLE=bundle.js TEMPORAL_ADDRESS=… node --import tsx bundledWorker.ts
 *
 * Started with an IPC channel: it shuts down when the test that started it goes, however it goes.
 */
import { exitWithParent } from '../../../local/process/exitWithParent';
import { workerConfigFromEnv } from '../../../worker/config';
import { createRampartWorker } from '../../../worker/createWorker';
import { connectNative } from '../../../worker/nativeConnection';

async function main(): Promise<void> {
  const codePath = process.env.RAMPART_TEST_WORKFLOW_BUNDLE;
  if (!codePath) {
    console.error('bundledWorker: set RAMPART_TEST_WORKFLOW_BUNDLE to a bundle written by bundleWorkflowCode');
    process.exit(2);
  }
  const { temporal, activities } = workerConfigFromEnv(process.env);
  const connection = await connectNative(temporal);
  const worker = await createRampartWorker({ connection, namespace: temporal.namespace, taskQueue: temporal.taskQueue, dependencies: activities, workflowBundle: { codePath } });
  exitWithParent(() => {
    if (worker.getState() === 'RUNNING') worker.shutdown();
  });
  console.log(`rampart worker: polling task queue "${temporal.taskQueue}" on ${temporal.address} (namespace ${temporal.namespace})`);
  await worker.run();
  activities.mail.close();
  await activities.sentLedger?.close?.();
  await connection.close();
}

main().catch((err) => {
  console.error(`bundledWorker: ${(err as Error).stack ?? err}`);
  process.exit(1);
});
