import { spawnUntilReady } from './spawnUntilReady';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { nodeArgsForTs } from '../process/tsxCommand';
import { isAlive } from '../fleet/localFleet';

const WORKER_SCRIPT = resolve(__dirname, '../../worker/main.ts');

export interface DemoWorker {
  pid: number;
  logFile: string;
}

/**
 * Starts `node --import tsx worker/main.ts` in its own process group (so it can outlive the demo
 * with --keep, and a terminal's Ctrl-C does not hit it before the demo decides), output appended
 * to logFile, and waits (bounded) until it polls its task queue.
 */
export async function startDemoWorker(options: {
  env: NodeJS.ProcessEnv;
  cwd: string;
  logFile: string;
  readyTimeoutMs: number;
  /** Told the pid as soon as the process exists, so a caller can stop it even mid-start. */
  onSpawn?: (pid: number) => void;
  /** Stops waiting (the process is left for the caller to stop). */
  signal?: AbortSignal;
}): Promise<DemoWorker> {
  const { pid } = await spawnUntilReady({
    what: 'the worker',
    command: process.execPath,
    args: nodeArgsForTs(WORKER_SCRIPT),
    banner: `node ${nodeArgsForTs(WORKER_SCRIPT).join(' ')}`,
    cwd: options.cwd,
    env: options.env,
    logFile: options.logFile,
    ready: (output) => (/polling task queue/.test(output) ? true : undefined),
    readyTimeoutMs: options.readyTimeoutMs,
    pollMs: 200,
    readyMeans: 'start polling',
    stop: (p) => stopDemoWorker(p, 5_000),
    ...(options.onSpawn ? { onSpawn: options.onSpawn } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return { pid, logFile: options.logFile };
}

/** The worker leads its own process group (detached): signal the group, so nothing it started stays. */
function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // no such group any more
  }
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) return false;
    await delay(100);
  }
  return true;
}

/** SIGTERM (the worker shuts down gracefully), then SIGKILL to its group after timeoutMs. */
export async function stopDemoWorker(pid: number, timeoutMs = 15_000): Promise<'stopped' | 'killed' | 'not running'> {
  if (!isAlive(pid)) return 'not running';
  signalGroup(pid, 'SIGTERM');
  if (await waitForExit(pid, timeoutMs)) {
    signalGroup(pid, 'SIGKILL'); // anything the worker started in its group
    return 'stopped';
  }
  signalGroup(pid, 'SIGKILL');
  await waitForExit(pid, 5_000);
  return 'killed';
}

/** Only a pid whose command line is a Rampart worker is ours to stop (a recorded pid may be reused). */
export function isWorkerProcess(pid: number): boolean {
  if (!isAlive(pid)) return false;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('worker/main.ts');
  } catch {
    return true; // no /proc: trust the record
  }
}

/** Immediate, synchronous kill for the process 'exit' hook. */
export function killDemoWorkerNow(pid: number): void {
  signalGroup(pid, 'SIGKILL');
}
