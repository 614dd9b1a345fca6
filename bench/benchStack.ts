import path from 'node:path';
import type { Client } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { DevServer } from '../local/temporal/devServer';
import { LocalStack, within } from '../local/stack/localStack';
import * as bareActivities from './bareActivities';
import { benchLogger } from './benchLogger';

export const RAMPART_QUEUE = 'bench-rampart';
export const BARE_QUEUE = 'bench-bare';
/** The Rampart worker's default (worker/createWorker.ts); the bare worker gets the same. */
const MAX_CONCURRENT_ACTIVITIES = 100;

type Log = (message: string) => void;

/**
 * Everything the bench runs on, in this one process: the local stack (local/stack/) with its own
 * Temporal dev server (free loopback port, SQLite in a temp folder, no UI) and client, the Rampart
 * worker and the bare worker, and any worker a measurement starts for itself
 * (startRampartWorker). `close` takes down whatever came up, in reverse order, each part bounded.
 */
export class BenchStack {
  server: DevServer | undefined;
  client!: Client;
  bundleMs = 0;
  private stack: LocalStack | undefined;

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
    this.stack?.assertWorkersRunning();
  }

  async start(dataDir: string): Promise<void> {
    const stack = await LocalStack.start({ dir: path.dirname(dataDir), log: this.log, temporal: { dataDir, ui: false, startTimeoutMs: 30_000 } });
    this.stack = stack;
    this.server = stack.server;
    this.client = stack.client;

    this.log('bundling the Rampart and bare workflows');
    const started = Date.now();
    const [rampartBundle, bareBundle] = await Promise.all([
      this.bundle(require.resolve('../workflows')),
      this.bundle(require.resolve('./bareWorkflow')),
    ]);
    this.bundleMs = Date.now() - started;

    await stack.startWorker({
      what: 'Rampart worker',
      taskQueue: RAMPART_QUEUE,
      workflowBundle: rampartBundle,
      maxConcurrentActivityTaskExecutions: MAX_CONCURRENT_ACTIVITIES,
    });
    const bare = await Worker.create({
      connection: await stack.nativeConnection(),
      namespace: 'default',
      taskQueue: BARE_QUEUE,
      workflowBundle: bareBundle,
      activities: bareActivities,
      maxConcurrentActivityTaskExecutions: MAX_CONCURRENT_ACTIVITIES,
    });
    stack.runWorker('bare worker', bare);
  }

  /**
   * One more worker, started when a measurement needs it: `workflowsPath` bundled on its own and
   * run by a Rampart worker (createRampartWorker: every activity, the production defaults) on
   * `taskQueue`. Returns how long the bundling took and a stop for the measurement to call when
   * done; close() stops it too, should the measurement not get that far.
   */
  async startRampartWorker(what: string, taskQueue: string, workflowsPath: string): Promise<{ bundleMs: number; stop: () => Promise<void> }> {
    if (!this.stack) throw new Error('the bench stack is not started');
    const started = Date.now();
    const workflowBundle = await this.bundle(workflowsPath);
    const bundleMs = Date.now() - started;
    const { stop } = await this.stack.startWorker({ what, taskQueue, workflowBundle, maxConcurrentActivityTaskExecutions: MAX_CONCURRENT_ACTIVITIES });
    return { bundleMs, stop: () => within(stop(), 20_000, `stopping the ${what}`) };
  }

  /**
   * `interrupted`: Ctrl-C may already have stopped the dev server, so a worker cannot finish its
   * last tasks: give each part only a moment.
   */
  async close(interrupted = false): Promise<void> {
    await this.stack?.close(interrupted);
  }

  private bundle(workflowsPath: string): Promise<WorkflowBundleWithSourceMap> {
    return bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') });
  }
}
