import { spawnUntilReady, type PartStart } from './spawnUntilReady';
import { resolve } from 'node:path';
import { isProcessOf, killNow, stopPid, type StopOutcome } from '../process/pids';
import { nodeArgsForTs } from '../process/tsxCommand';

/** The worker process's entry point, for a caller that spawns it itself (e.g. to see it refuse and exit). */
export const WORKER_SCRIPT = resolve(__dirname, '../../worker/main.ts');

export interface WorkerProcess {
  pid: number;
  logFile: string;
}

/**
 * Starts the worker as a process, `node --import tsx worker/main.ts`, in its own process group (so
 * it can outlive its starter, e.g. the demo with --keep, and a terminal's Ctrl-C does not hit it
 * before the starter decides), output appended to logFile, and waits (bounded) until it polls its
 * task queue. The environment (TEMPORAL_*, RAMPART_TASK_QUEUE, SLACK_*, SMTP_URL) configures it.
 */
export async function startWorkerProcess(options: PartStart): Promise<WorkerProcess> {
  const { pid } = await spawnUntilReady({
    ...options,
    what: 'the worker',
    command: process.execPath,
    args: nodeArgsForTs(WORKER_SCRIPT),
    banner: `node ${nodeArgsForTs(WORKER_SCRIPT).join(' ')}`,
    ready: (output) => (/polling task queue/.test(output) ? true : undefined),
    pollMs: 200,
    readyMeans: 'start polling',
    stop: (p) => stopWorkerProcess(p, 5_000),
  });
  return { pid, logFile: options.logFile };
}

/** SIGTERM to its group (the worker shuts down gracefully), then SIGKILL after timeoutMs. */
export async function stopWorkerProcess(pid: number, timeoutMs = 15_000): Promise<StopOutcome> {
  return await stopPid(pid, { timeoutMs });
}

/** Only a pid whose command line is a Rampart worker is ours to stop (a recorded pid may be reused). */
export const isWorkerProcess = (pid: number): boolean => isProcessOf(pid, 'worker/main.ts');

/** Immediate, synchronous kill for the process 'exit' hook. */
export const killWorkerProcessNow = (pid: number): void => killNow(pid);
