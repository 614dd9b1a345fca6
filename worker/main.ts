import type { Worker } from '@temporalio/worker';
import { TemporalConfigError } from '../domain/temporalConfig';
import { WorkerConfigError, workerConfigFromEnv, type WorkerConfig } from './config';
import { createRampartWorker } from './createWorker';
import { assertLedgerAnswers } from './ledgerProbe';
import { connectNative } from './nativeConnection';
import type { SeenPoller } from './queuePollers';
import { checkBeforePolling, RECHECK_AFTER_MS, SharedQueueRefusal, yieldingTo, type QueueCheck } from './sharedQueueCheck';
import { workerIdentity } from './workerIdentity';
import { checkSearchAttributes, describeMissing } from '../contract/searchAttributeRegistry';

/**
 * The worker's exit codes (the README's table): 2 a malformed setting, 3 refused to run beside
 * other workers with the file ledger, 5 Temporal or the shared ledger cannot be reached, 7 the
 * namespace is not set up for Rampart (its search attributes are missing).
 */
const EXIT = { failure: 1, badInput: 2, refused: 3, unreachable: 5, notReady: 7 } as const;

function fail(code: number, message: string): never {
  console.error(`rampart worker: ${message}`);
  process.exit(code);
}

function readConfig(): WorkerConfig {
  try {
    return workerConfigFromEnv(process.env);
  } catch (err) {
    if (err instanceof TemporalConfigError || err instanceof WorkerConfigError) fail(EXIT.badInput, err.message);
    throw err;
  }
}

/**
 * The worker process: connects as configured by the environment and runs until SIGINT/SIGTERM.
 * Everything that can stop it from working safely is checked before its first poll, so a worker
 * that exits with an error has taken no task and sent nothing.
 */
async function main(): Promise<void> {
  const { temporal, activities, ledger, workflowBundle } = readConfig();
  if (ledger.kind === 'postgres') {
    await assertLedgerAnswers(ledger.store, ledger.address).catch((err: Error) => fail(EXIT.unreachable, err.message));
  }
  const connection = await connectNative(temporal).catch((err: Error) => fail(EXIT.unreachable, err.message));
  await assertSearchAttributes(connection, temporal.namespace);
  const identity = workerIdentity(ledger.kind);
  const check: QueueCheck = { connection, namespace: temporal.namespace, taskQueue: temporal.taskQueue, ownIdentity: identity, ledger };
  // A file-ledger worker looks once before bundling the workflows (seconds), so a refusal is quick,
  // and once more just before its first poll, so that two workers starting together rarely both
  // get through (recheckSoon settles the rest).
  if (ledger.kind === 'file') await lookAtOtherWorkers(check);
  const worker = await createRampartWorker({
    connection, namespace: temporal.namespace, taskQueue: temporal.taskQueue, dependencies: activities, identity,
    ...(workflowBundle ? { workflowBundle: { codePath: workflowBundle } } : {}),
  });
  const fileLedgerWorkers = await lookAtOtherWorkers(check);
  for (const other of fileLedgerWorkers) {
    console.warn(`rampart worker: warning: ${other.identity} polls this task queue with the file ledger; set RAMPART_LEDGER_URL there too, or stop it`);
  }
  console.log(`rampart worker: polling task queue "${temporal.taskQueue}" on ${temporal.address} (namespace ${temporal.namespace}) as ${identity}`);
  const refused: { refusal?: SharedQueueRefusal } = {};
  if (ledger.kind === 'file') void recheckSoon(check, worker, refused);
  await worker.run();
  // Pooled SMTP connections would keep the process alive after the worker has stopped polling.
  activities.mail.close();
  await activities.sentLedger?.close?.();
  await connection.close();
  if (refused.refusal) fail(EXIT.refused, refused.refusal.message);
}

/**
 * Every workflow upserts Rampart's search attributes: in a namespace without them each workflow
 * task would fail and retry forever, so the worker refuses to poll (exit 7) and names the command
 * that registers them. A server that cannot be asked (no OperatorService for this API key) is
 * only a warning: refusing there would stop a worker that may be fine.
 */
async function assertSearchAttributes(connection: Parameters<typeof checkSearchAttributes>[0], namespace: string): Promise<void> {
  const check = await checkSearchAttributes(connection, namespace).catch((err: Error) => {
    console.warn(`rampart worker: warning: cannot list the search attributes of namespace ${namespace} (${err.message}); if Rampart's are missing, every workflow task will fail: run "rampart server setup"`);
    return null;
  });
  if (check && (check.missing.length > 0 || check.wrongType.length > 0)) fail(EXIT.notReady, `refusing to start: ${describeMissing(check, namespace)}`);
}

/** checkBeforePolling, its refusal as exit 3; a failure to look is exit 5 only where the look is needed. */
async function lookAtOtherWorkers(check: QueueCheck): Promise<SeenPoller[]> {
  return checkBeforePolling(check).catch((err: Error) => {
    if (err instanceof SharedQueueRefusal) fail(EXIT.refused, err.message);
    // With the shared ledger the look is only for warnings: not being allowed to look stops nothing.
    if (check.ledger.kind === 'postgres') return [];
    fail(EXIT.unreachable, `cannot list the workers polling task queue "${check.taskQueue}" (a worker with the file ledger must be the only one): ${err.message}`);
  });
}

/** Two file-ledger workers that started together: the one that must give way shuts down (its tasks finish first). */
async function recheckSoon(check: QueueCheck, worker: Worker, refused: { refusal?: SharedQueueRefusal }): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, RECHECK_AFTER_MS).unref());
  if (worker.getState() !== 'RUNNING') return;
  refused.refusal = await yieldingTo(check).catch(() => undefined);
  if (refused.refusal) {
    console.error('rampart worker: another worker started polling at the same moment: shutting down once running tasks finish');
    worker.shutdown();
  }
}

main().catch((err) => {
  console.error(`rampart worker: unexpected failure: ${(err as Error).stack ?? err}`);
  process.exit(EXIT.failure);
});
