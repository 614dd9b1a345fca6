/**
 * Rampart on one machine, for whatever needs all of it at once (the bench, the README's
 * screenshots, later the demo): a Temporal dev server of its own, a client, Rampart workers, local
 * fleets and the Slack and SMTP stand-ins. Each part is started on request; `close` takes down
 * whatever came up, in reverse order, each part bounded in time.
 *
 *   const stack = await LocalStack.start({ dir, log });
 *   try {
 *     await stack.startWorker({ taskQueue: 'q' });
 *     const fleet = await stack.startFleet({ name: 'demo', size: 5, version: '1.0.0' });
 *     ... stack.client ...
 *   } finally {
 *     await stack.close();
 *   }
 *
 * Workers and stand-ins run in this process (startWorker, startSmtp, startSlack) or as processes
 * of their own (startWorkerProcess, startStandinProcess: what the demo does, so that --keep can
 * leave them running). Everything lives under `dir` (dev server in dir/temporal, fleets in
 * dir/<name>), and every process it starts dies with this one (the process helper,
 * local/process/), unless asked to keep running (`temporal.detached`, a fleet's `keepRunning`, a
 * process part's `keep`).
 */
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { fleetDown, fleetUp, type FleetUpOptions, type FleetUpResult } from '../fleet/localFleet';
import { findFreePort } from '../process/ports';
import { startSlackServer, type SlackServerOptions, type SlackStandin } from '../standins/slackServer';
import { startSmtpServer, type SmtpServerOptions, type SmtpStandin } from '../standins/smtpServer';
import { startDevServer, stopDevServer, type DevServer, type StartDevServerOptions } from '../temporal/devServer';
import { createRampartWorker } from '../../worker/createWorker';
import type { ActivityDependencies } from '../../activities/dependencies';
import type { PartStart } from './spawnUntilReady';
import { startStandin, stopStandin, type RunningStandin } from './standinProcesses';
import { startWorkerProcess, stopWorkerProcess, type WorkerProcess } from './workerProcess';

export interface LocalStackOptions {
  /** Where the stack keeps its state: dir/temporal for the dev server, dir/<name> per fleet. */
  dir: string;
  /** Progress lines; default silent. */
  log?: (message: string) => void;
  /** The dev server: a free loopback port, no Web UI, stopped by close() unless told otherwise. */
  temporal?: Pick<StartDevServerOptions, 'dataDir' | 'port' | 'uiPort' | 'ui' | 'detached' | 'startTimeoutMs' | 'namespaces' | 'cli'>;
  namespace?: string;
}

export interface StackWorkerOptions {
  /** For messages: "Rampart worker", "notify worker". */
  what?: string;
  taskQueue: string;
  /** Bundled workflow code (bundle once, share it); default: the workflows folder, bundled by the worker. */
  workflowBundle?: WorkflowBundleWithSourceMap;
  maxConcurrentActivityTaskExecutions?: number;
  /** What its activities depend on (Slack, mail, state folder); default read from this process's environment. */
  dependencies?: ActivityDependencies;
}

export interface StackWorker {
  worker: Worker;
  /** Shuts the worker down and waits for it (safe to call more than once). */
  stop: () => Promise<void>;
}

export class LocalStack {
  client!: Client;
  server!: DevServer;
  private readonly closers: { what: string; close: () => Promise<unknown> }[] = [];
  private native: NativeConnection | undefined;
  private workerFailure: Error | undefined;
  private readonly log: (message: string) => void;

  private constructor(readonly options: LocalStackOptions) {
    this.log = options.log ?? (() => undefined);
  }

  get namespace(): string {
    return this.options.namespace ?? 'default';
  }

  /** Starts the dev server and connects a client; what came up is closed again if a later part fails. */
  static async start(options: LocalStackOptions): Promise<LocalStack> {
    const stack = new LocalStack(options);
    try {
      await stack.startTemporal();
    } catch (err) {
      await stack.close(true);
      throw err;
    }
    return stack;
  }

  private async startTemporal(): Promise<void> {
    const dataDir = this.options.temporal?.dataDir ?? path.join(this.options.dir, 'temporal');
    const port = this.options.temporal?.port ?? (await findFreePort());
    this.log(`starting the Temporal dev server on 127.0.0.1:${port}`);
    if (!this.options.temporal?.detached) this.defer('dev server', () => stopDevServer(dataDir, { timeoutMs: 10_000 }));
    this.server = await startDevServer({ ui: false, startTimeoutMs: 30_000, ...this.options.temporal, dataDir, port });
    const connection = await Connection.connect({ address: this.server.address });
    this.defer('client connection', () => connection.close());
    this.client = new Client({ connection, namespace: this.namespace });
  }

  /** The workers' connection, made once. */
  async nativeConnection(): Promise<NativeConnection> {
    if (!this.native) {
      const native = await NativeConnection.connect({ address: this.server.address });
      this.defer('worker connection', () => native.close());
      this.native = native;
    }
    return this.native;
  }

  /** A Rampart worker (every workflow and activity) in this process, running until close() or its stop. */
  async startWorker(options: StackWorkerOptions): Promise<StackWorker> {
    const worker = await createRampartWorker({
      connection: await this.nativeConnection(),
      namespace: this.namespace,
      taskQueue: options.taskQueue,
      ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : {}),
      ...(options.dependencies ? { dependencies: options.dependencies } : {}),
      ...(options.maxConcurrentActivityTaskExecutions !== undefined ? { maxConcurrentActivityTaskExecutions: options.maxConcurrentActivityTaskExecutions } : {}),
    });
    return { worker, stop: this.runWorker(options.what ?? 'Rampart worker', worker) };
  }

  /** Runs any worker until close(); returns its stop (safe to call more than once). */
  runWorker(what: string, worker: Worker): () => Promise<void> {
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
    this.defer(what, close);
    return close;
  }

  /** A worker that stopped on its own (not by close) makes everything after it meaningless. */
  assertWorkersRunning(): void {
    if (this.workerFailure) throw this.workerFailure;
  }

  /** A local fleet in dir/<name>; brought down by close() unless it is to keep running. */
  async startFleet(options: Omit<FleetUpOptions, 'stateDir'> & { name: string }): Promise<FleetUpResult> {
    const { name, ...rest } = options;
    const stateDir = path.join(this.options.dir, name);
    this.log(`starting the local fleet "${name}": ${rest.size} target(s) on ${rest.version}`);
    if (!rest.keepRunning) this.defer(`fleet ${name}`, () => fleetDown({ stateDir }));
    return await fleetUp({ ...rest, stateDir });
  }

  /** The SMTP stand-in, in this process. */
  async startSmtp(options: SmtpServerOptions = {}): Promise<SmtpStandin> {
    const smtp = await startSmtpServer(options);
    this.defer('SMTP stand-in', () => smtp.close());
    return smtp;
  }

  /** The Slack Web API stand-in, in this process. */
  async startSlack(options: SlackServerOptions): Promise<SlackStandin> {
    const slack = await startSlackServer(options);
    this.defer('Slack stand-in', () => slack.close());
    return slack;
  }

  /**
   * The worker as a process of its own (as the demo runs it, configured by `env`); stopped by
   * close() unless `keep`, when it outlives this process until stopped by pid.
   */
  async startWorkerProcess(options: PartStart & { keep?: boolean }): Promise<WorkerProcess> {
    const track = this.trackProcess('worker process', options, stopWorkerProcess);
    return await startWorkerProcess({ ...options, onSpawn: track });
  }

  /** A stand-in (local/standins/<script>) as a process of its own; stopped by close() unless `keep`. */
  async startStandinProcess(options: PartStart & { script: string; args: string[]; keep?: boolean }): Promise<RunningStandin> {
    const track = this.trackProcess(path.basename(options.script, '.ts'), options, stopStandin);
    return await startStandin({ ...options, outlive: options.keep ?? false, onSpawn: track });
  }

  /** The onSpawn of a process part: its stop goes on the close list (unless kept) as soon as it has a pid. */
  private trackProcess(what: string, options: PartStart & { keep?: boolean }, stop: (pid: number) => Promise<unknown>): (pid: number) => void {
    return (pid) => {
      if (!options.keep) this.defer(`${what} (pid ${pid})`, () => stop(pid));
      options.onSpawn?.(pid);
    };
  }

  /** Something else to undo on close (run before whatever was started earlier). */
  defer(what: string, close: () => Promise<unknown>): void {
    this.closers.push({ what, close });
  }

  /**
   * Takes down what came up, last first, each part bounded (20 s, or 3 s when interrupted: a
   * Ctrl-C may already have stopped the dev server, so a worker cannot finish its last tasks).
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
}

/** The promise, or an error once timeoutMs have passed. */
export async function within<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
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
