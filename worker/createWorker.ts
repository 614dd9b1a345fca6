import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDependencies } from '../activities';
import { activityDependenciesFromEnv } from './config';

export interface RampartWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  /** Bundled workflow code; bundling once and sharing it saves seconds per worker in tests. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  maxConcurrentActivityTaskExecutions?: number;
  /** How the worker shows in Temporal's poller list; main.ts sets workerIdentity() (worker/workerIdentity.ts). */
  identity?: string;
  /**
   * What the activities depend on. Default: read from the environment now (worker/config.ts); the
   * mail transport made then is never closed by anyone, so a process that must exit on its own
   * passes its own dependencies and closes `mail` after the worker stops (as main.ts does).
   */
  dependencies?: ActivityDependencies;
}

/** The one place a Rampart worker is assembled: every workflow and every activity. */
export function createRampartWorker(options: RampartWorkerOptions): Promise<Worker> {
  const { workflowBundle, dependencies, ...rest } = options;
  return Worker.create({
    ...rest,
    ...(workflowBundle ? { workflowBundle } : { workflowsPath: require.resolve('../workflows') }),
    activities: createActivities(dependencies ?? activityDependenciesFromEnv(process.env)),
    maxConcurrentActivityTaskExecutions: options.maxConcurrentActivityTaskExecutions ?? 100,
  });
}
