import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { findFreePort, startDevServer, stopDevServer, type DevServer } from '../local/temporal/devServer';
import { createRampartWorker } from '../worker/createWorker';
import * as bareActivities from './bareActivities';
import { benchLogger } from './benchLogger';

export const RAMPART_QUEUE = 'bench-rampart';
export const BARE_QUEUE = 'bench-bare';
/** The Rampart worker's default (worker/createWorker.ts); the bare worker gets the same. */
const MAX_CONCURRENT_ACTIVITIES = 100;

type Log = (message: string) => void;

async function within<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took more than ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Everything the bench runs on, in this one process: its own Temporal dev server (free loopback
 * port, SQLite in a temp folder, no UI), a client, the Rampart worker and the bare worker, and
 * any worker a measurement starts for itself (startRampartWorker).
 * `close` takes down whatever came up, in reverse order, each part bounded in time.
 */
export class BenchStack {
  server: DevServer | undefined;
  client!: Client;
  bundleMs = 0;
  private readonly closers: { what: string; close: () => Promise<unknown> }[] = [];
  private workerFailure: Error | undefined;
  private native: NativeConnection | undefined;

  constructor(private readonly log: Log) {
    try {
      // Core's own logs are forwarded to this logger (stderr): by default they go to stdout, where only the JSON belongs.
      Runtime.install({ logger: benchLogger(), telemetryOptions: { logging: { filter: { core: 'WARN', other: 'ERROR' }, forward: {} } } });
    } catch {
      // a Runtime exists already: keep it
    }
  }

  /** A worker that stopped on its own (not by close) makes every later measurement meaningless. */
  assertWorkersRunning(): void {
    if (this.workerFailure) throw this.workerFailure;
  }

  async start(dataDir: string): Promise<void> {
    const port = await findFreePort();
    this.log(`starting the Temporal dev server on 127.0.0.1:${port}`);
    this.closers.push({ what: 'dev server', close: () => stopDevServer(dataDir, { timeoutMs: 10_000 }) });
    this.server = await startDevServer({ dataDir, port, ui: false, startTimeoutMs: 30_000 });

    const connection = await Connection.connect({ address: this.server.address });
    this.closers.push({ what: 'client connection', close: () => connection.close() });
    this.client = new Client({ connection });

    this.log('bundling the Rampart and bare workflows');
    const started = Date.now();
    const [rampartBundle, bareBundle] = await Promise.all([
      this.bundle(require.resolve('../workflows')),
      this.bundle(require.resolve('./bareWorkflow')),
    ]);
    this.bundleMs = Date.now() - started;

    const native = await NativeConnection.connect({ address: this.server.address });
    this.closers.push({ what: 'worker connection', close: () => native.close() });
    this.native = native;
    const rampart = await createRampartWorker({
      connection: native,
      namespace: 'default',
      taskQueue: RAMPART_QUEUE,
      workflowBundle: rampartBundle,
      maxConcurrentActivityTaskExecutions: MAX_CONCURRENT_ACTIVITIES,
    });
    this.run('Rampart worker', rampart);
    const bare = await Worker.create({
      connection: native,
      namespace: 'default',
      taskQueue: BARE_QUEUE,
      workflowBundle: bareBundle,
      activities: bareActivities,
      maxConcurrentActivityTaskExecutions: MAX_CONCURRENT_ACTIVITIES,
    });
    this.run('bare worker', bare);
  }

  /**
   * One more worker, started when a measurement needs it: `workflowsPath` bundled on its own and
   * run by a Rampart worker (createRampartWorker: every activity, the production defaults) on
   * `taskQueue`. Returns how long the bundling took and a stop for the measurement to call when
   * done; close() stops it too, should the measurement not get that far.
   */
  async startRampartWorker(what: string, taskQueue: string, workflowsPath: string): Promise<{ bundleMs: number; stop: () => Promise<void> }> {
    if (!this.native) throw new Error('the bench stack is not started');
    const started = Date.now();
    const workflowBundle = await this.bundle(workflowsPath);
    const bundleMs = Date.now() - started;
    const worker = await createRampartWorker({
      connection: this.native,
      namespace: 'default',
      taskQueue,
      workflowBundle,
      maxConcurrentActivityTaskExecutions: MAX_CONCURRENT_ACTIVITIES,
    });
    const close = this.run(what, worker);
    return { bundleMs, stop: () => within(close(), 20_000, `stopping the ${what}`) };
  }

  /**
   * `interrupted`: Ctrl-C has already stopped the dev server (local/temporal/devServer.ts stops it on
   * SIGINT), so a worker cannot finish its last tasks: give each part only a moment.
   */
  async close(interrupted = false): Promise<void> {
    for (const { what, close } of this.closers.splice(0).reverse()) {
      try {
        await within(close(), interrupted ? 3_000 : 20_000, `stopping the ${what}`);
      } catch (error) {
        this.log(`could not stop the ${what}: ${(error as Error).message}`);
      }
    }
  }

  private bundle(workflowsPath: string): Promise<WorkflowBundleWithSourceMap> {
    return bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') });
  }

  /** Runs `worker` until close(); returns its stop (safe to call more than once). */
  private run(what: string, worker: Worker): () => Promise<void> {
    let closing = false;
    const running = worker.run().then(
      () => {
        if (!closing) this.workerFailure = new Error(`the ${what} stopped unexpectedly`);
      },
      (error: Error) => {
        this.workerFailure = new Error(`the ${what} failed: ${error.message}`);
      },
    );
    const close = async () => {
      closing = true;
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
    };
    this.closers.push({ what, close });
    return close;
  }
}
