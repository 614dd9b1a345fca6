import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDependencies } from '../activities';
import { activityDependenciesFromEnv, workerVersioningFromEnv, type WorkerVersioning } from './config';

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
  /**
   * Worker Versioning: this worker is one build of a worker deployment, and the workflows it
   * starts stay pinned to that build. Default: RAMPART_DEPLOYMENT_NAME and RAMPART_BUILD_ID
   * (worker/config.ts), off when neither is set; null turns it off whatever the environment says.
   */
  versioning?: WorkerVersioning | null;
}

/** The one place a Rampart worker is assembled: every workflow and every activity. */
export function createRampartWorker(options: RampartWorkerOptions): Promise<Worker> {
  const { workflowBundle, dependencies, versioning: given, ...rest } = options;
  const versioning = given === undefined ? workerVersioningFromEnv(process.env) : given;
  return Worker.create({
    ...rest,
    ...(workflowBundle ? { workflowBundle } : { workflowsPath: require.resolve('../workflows') }),
    activities: createActivities(dependencies ?? activityDependenciesFromEnv(process.env)),
    maxConcurrentActivityTaskExecutions: options.maxConcurrentActivityTaskExecutions ?? 100,
    // PINNED: a workflow never meets code other than the build that started it, so an upgrade
    // cannot make it nondeterministic; patched() still guards unversioned workers.
    ...(versioning ? { workerDeploymentOptions: { useWorkerVersioning: true, version: versioning, defaultVersioningBehavior: 'PINNED' as const } } : {}),
  });
}
