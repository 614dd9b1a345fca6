import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { spawnProcess, type ManagedProcess } from '../../../local/process/processes';
import { nodeArgsForTs } from '../../../local/process/tsxCommand';

const WORKER_SCRIPT = path.join(__dirname, 'bundledWorker.ts');

export type PoolWorkerState = 'starting' | 'ready' | 'dead';

/** One of the pool's worker processes, across its restarts: worker-2 is worker-2 whatever its pid. */
export interface PoolWorker {
  name: string;
  state: PoolWorkerState;
  /** Every start, the first included. */
  starts: number;
  /** One log per worker, every run appended to it. */
  logFile: string;
  process?: ManagedProcess;
}

export interface WorkerPoolOptions {
  size: number;
  /** Everything the workers read: TEMPORAL_*, RAMPART_*, SLACK_*, SMTP_URL, secrets, RAMPART_TEST_WORKFLOW_BUNDLE. */
  env: NodeJS.ProcessEnv;
  /** Where the workers' logs go. */
  dir: string;
  /** How long one start may take to poll its task queue before it counts as failed; default 60 s. */
  readyTimeoutMs?: number;
  log: (message: string) => void;
}

/**
 * A fixed number of Rampart worker processes on one task queue, each one killable with SIGKILL
 * and startable again. A worker that exits without being killed here is a finding, not noise: it
 * is recorded in `unexpectedExits` for the campaign to report.
 */
export class WorkerPool {
  readonly workers: PoolWorker[];
  readonly unexpectedExits: string[] = [];
  private closing = false;

  constructor(private readonly options: WorkerPoolOptions) {
    this.workers = Array.from({ length: options.size }, (_, i) => ({
      name: `worker-${i + 1}`,
      state: 'dead' as const,
      starts: 0,
      logFile: path.join(options.dir, `worker-${i + 1}.log`),
    }));
  }

  async startAll(): Promise<void> {
    await Promise.all(this.workers.map((w) => this.start(w)));
  }

  /** Workers that poll their task queue now. */
  ready(): PoolWorker[] {
    return this.workers.filter((w) => w.state === 'ready');
  }

  /**
   * Starts the worker and waits until it polls. A start that fails (the dev server is down at the
   * moment, the machine is slow) is tried again after a second, for up to three minutes.
   */
  async start(worker: PoolWorker): Promise<void> {
    const giveUpAt = Date.now() + 180_000;
    for (;;) {
      worker.state = 'starting';
      worker.starts += 1;
      const proc = spawnProcess(process.execPath, nodeArgsForTs(WORKER_SCRIPT), {
        name: worker.name,
        env: this.options.env,
        logFile: worker.logFile,
        banner: `${worker.name}, start ${worker.starts}`,
        tie: 'ipc',
      });
      worker.process = proc;
      try {
        await proc.waitForOutput(/polling task queue/, this.options.readyTimeoutMs ?? 60_000);
        worker.state = 'ready';
        void proc.exited.then((status) => {
          if (worker.process !== proc || this.closing || worker.state === 'dead') return;
          worker.state = 'dead';
          this.unexpectedExits.push(`${worker.name} (pid ${proc.pid}) exited on its own with ${status.signal ?? `code ${status.code}`}; see ${worker.logFile}`);
        });
        return;
      } catch (err) {
        await proc.stop(2_000);
        worker.state = 'dead';
        if (this.closing || Date.now() > giveUpAt) throw new Error(`${worker.name} did not start: ${(err as Error).message}`);
        this.options.log(`${worker.name} did not start (${(err as Error).message.split('\n')[0]}); trying again`);
        await delay(1_000);
      }
    }
  }

  /** SIGKILL to the worker's process group, then waits until it is gone. */
  async kill(worker: PoolWorker): Promise<void> {
    const proc = worker.process;
    worker.state = 'dead';
    if (!proc) return;
    proc.kill('SIGKILL');
    await proc.exited;
  }

  /**
   * Ends every worker with SIGKILL: at the end of a campaign there is nothing left for them to
   * finish, and a graceful shutdown of three workers costs seconds of a test's time budget.
   */
  async stopAll(): Promise<void> {
    this.closing = true;
    await Promise.all(this.workers.map(async (w) => {
      const proc = w.process;
      w.state = 'dead';
      if (!proc?.running) return;
      proc.kill('SIGKILL');
      await proc.exited;
    }));
  }
}
