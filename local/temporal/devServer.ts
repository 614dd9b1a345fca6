import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Connection } from '@temporalio/client';
import { resolveTemporalCli } from './temporalBinaries';
import { isAlive } from '../process/processAlive';

/**
 * The embedded Temporal: the Temporal CLI's dev server (`temporal server start-dev`) with a SQLite
 * file, so workflows survive a restart. Everything it writes lives in one data folder:
 *
 *   temporal.sqlite   the server's state
 *   temporal.pid      the server's process id
 *   temporal.json     how to reach it: { pid, address, uiUrl, startedAt }
 *   temporal.log      its output
 */

export interface StartDevServerOptions {
  /** Folder for the SQLite file, pid file and log; created if missing. Default `.rampart` (from the cwd). */
  dataDir?: string;
  /** Front-end gRPC port. Default 7233. */
  port?: number;
  /** Web UI port. Default 8233. */
  uiPort?: number;
  /** Serve the Web UI. Default true. */
  ui?: boolean;
  /** Address to bind. Default 127.0.0.1; keep it on loopback. */
  ip?: string;
  /**
   * true: the server outlives this process (for `rampart server start`).
   * false (default): it is stopped when this process exits.
   */
  detached?: boolean;
  /** Namespaces to create besides "default". */
  namespaces?: string[];
  /** How long to wait for the front end to answer. Default 30 s. */
  startTimeoutMs?: number;
  /** The Temporal CLI; default resolveTemporalCli(). */
  cli?: string;
  /** More `temporal server start-dev` flags, e.g. ['--dynamic-config-value', 'k=v']. */
  extraArgs?: string[];
}

export interface DevServer {
  /** host:port of the gRPC front end. */
  address: string;
  /** The Web UI, when it is on. */
  uiUrl?: string;
  pid: number;
  dataDir: string;
  dbFile: string;
  logFile: string;
  /** true when a server for this data folder was already running and was reused. */
  alreadyRunning: boolean;
}

export interface StopDevServerOptions {
  /** How long to wait after SIGTERM before SIGKILL. Default 10 s. */
  timeoutMs?: number;
}

interface DevServerState {
  pid: number;
  address: string;
  uiUrl?: string;
  startedAt: string;
}

const DEFAULT_DATA_DIR = '.rampart';

function filesOf(dataDir: string) {
  const dir = path.resolve(dataDir);
  return {
    dir,
    db: path.join(dir, 'temporal.sqlite'),
    pid: path.join(dir, 'temporal.pid'),
    state: path.join(dir, 'temporal.json'),
    log: path.join(dir, 'temporal.log'),
  };
}

/** Children this process started, so that stop can await their exit and exit can stop them. */
const ownChildren = new Map<number, { child: ChildProcess; onExit?: () => void }>();

let signalGuardInstalled = false;

/**
 * A process killed by SIGINT/SIGTERM emits no 'exit' event, so non-detached servers would be left
 * behind: on those signals, stop them first, then let the signal take its usual course (unless
 * the program has its own handler for it, which then decides).
 */
function installSignalGuard(): void {
  if (signalGuardInstalled) return;
  signalGuardInstalled = true;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = () => {
      for (const own of ownChildren.values()) own.onExit?.();
      if (process.listenerCount(signal) === 1) {
        process.removeListener(signal, onSignal);
        process.kill(process.pid, signal);
      }
    };
    process.on(signal, onSignal);
  }
}


/** Guards against a recycled pid: the process must be a dev server on this data folder's SQLite file. */
function isDevServerProcess(pid: number, dbFile: string): boolean {
  if (!isAlive(pid)) return false;
  let cmdline: string[];
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return true; // no /proc: trust the pid file
  }
  return cmdline.includes('start-dev') && cmdline.includes(dbFile);
}

function readPid(pidFile: string): number | undefined {
  try {
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function runningPid(dataDir: string): number | undefined {
  const files = filesOf(dataDir);
  const pid = readPid(files.pid);
  return pid !== undefined && isDevServerProcess(pid, files.db) ? pid : undefined;
}

/** Whether a dev server started for this data folder is running. */
export function isDevServerRunning(dataDir: string = DEFAULT_DATA_DIR): boolean {
  return runningPid(dataDir) !== undefined;
}

/** The running dev server of this data folder, or undefined. */
export function readDevServer(dataDir: string = DEFAULT_DATA_DIR): DevServer | undefined {
  const files = filesOf(dataDir);
  const pid = runningPid(dataDir);
  if (pid === undefined) return undefined;
  let state: Partial<DevServerState> = {};
  try {
    state = JSON.parse(readFileSync(files.state, 'utf8')) as DevServerState;
  } catch {
    // the pid file alone still identifies it
  }
  return {
    address: state.address ?? 'unknown',
    ...(state.uiUrl ? { uiUrl: state.uiUrl } : {}),
    pid,
    dataDir: files.dir,
    dbFile: files.db,
    logFile: files.log,
    alreadyRunning: true,
  };
}

/** A port nobody listens on at the moment, for tests and ad-hoc servers. */
export async function findFreePort(ip = '127.0.0.1'): Promise<number> {
  return await new Promise<number>((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, ip, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function assertPortFree(ip: string, port: number, what: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new Error(
          error.code === 'EADDRINUSE'
            ? `cannot start the Temporal dev server: ${what} port ${ip}:${port} is already in use`
            : `cannot start the Temporal dev server: ${what} port ${ip}:${port}: ${error.message}`,
        ),
      ),
    );
    server.listen(port, ip, () => server.close(() => resolve()));
  });
}

function logTail(logFile: string, lines = 20): string {
  try {
    return readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Resolves once the front end answers and every namespace exists; bounded by the deadline. */
async function waitUntilReady(
  address: string,
  namespaces: string[],
  deadline: number,
  exited: () => string | undefined,
): Promise<void> {
  let lastError = 'no answer';
  while (Date.now() < deadline) {
    const exit = exited();
    if (exit) throw new Error(exit);
    let connection: Connection | undefined;
    try {
      connection = await Connection.connect({ address, connectTimeout: Math.max(500, Math.min(2_000, deadline - Date.now())) });
      const conn = connection;
      await conn.withDeadline(Date.now() + 2_000, async () => {
        await conn.workflowService.getSystemInfo({});
        for (const namespace of namespaces) await conn.workflowService.describeNamespace({ namespace });
      });
      return;
    } catch (error) {
      lastError = (error as Error).message;
    } finally {
      await connection?.close().catch(() => undefined);
    }
    await delay(250);
  }
  throw new Error(`the Temporal dev server at ${address} did not answer in time (last error: ${lastError})`);
}

/**
 * Starts `temporal server start-dev` on loopback with its state in `<dataDir>/temporal.sqlite`,
 * waits (bounded) until its front end answers, and returns how to reach it. If a server for this
 * data folder is already running on the requested address it is returned as is
 * (`alreadyRunning: true`).
 */
export async function startDevServer(options: StartDevServerOptions = {}): Promise<DevServer> {
  const ip = options.ip ?? '127.0.0.1';
  const port = options.port ?? 7233;
  const ui = options.ui ?? true;
  const uiPort = options.uiPort ?? 8233;
  const namespaces = ['default', ...(options.namespaces ?? []).filter((ns) => ns !== 'default')];
  const startTimeoutMs = options.startTimeoutMs ?? 30_000;
  const files = filesOf(options.dataDir ?? DEFAULT_DATA_DIR);
  const address = `${ip}:${port}`;
  const uiHost = ip.includes(':') ? `[${ip}]` : ip;
  const uiUrl = ui ? `http://${uiHost}:${uiPort}` : undefined;

  const existing = readDevServer(files.dir);
  if (existing) {
    if (existing.address === address) return existing;
    throw new Error(
      `a Temporal dev server for ${files.dir} is already running at ${existing.address} (pid ${existing.pid}); stop it first`,
    );
  }

  const cli = options.cli ?? resolveTemporalCli();
  await assertPortFree(ip, port, 'gRPC');
  if (ui) await assertPortFree(ip, uiPort, 'UI');

  mkdirSync(files.dir, { recursive: true });
  rmSync(files.pid, { force: true });
  rmSync(files.state, { force: true });

  const args = [
    'server', 'start-dev',
    '--db-filename', files.db,
    '--ip', ip,
    '--port', String(port),
    ...(ui ? ['--ui-port', String(uiPort), '--ui-disable-news-fetch'] : ['--headless']),
    ...namespaces.filter((ns) => ns !== 'default').flatMap((ns) => ['--namespace', ns]),
    '--log-level', 'warn',
    '--disable-config-file',
    '--disable-config-env',
    ...(options.extraArgs ?? []),
  ];

  const logFd = openSync(files.log, 'a');
  let child: ChildProcess;
  try {
    writeSync(logFd, `\n--- ${new Date().toISOString()} rampart: ${cli} ${args.join(' ')}\n`);
    child = spawn(cli, args, {
      cwd: files.dir,
      detached: options.detached ?? false,
      stdio: ['ignore', logFd, logFd],
      env: process.env,
    });
  } finally {
    closeSync(logFd);
  }
  const pid = child.pid;
  if (pid === undefined) {
    const spawnError = await new Promise<Error>((resolve) => child.once('error', resolve));
    throw new Error(`cannot start ${cli}: ${spawnError.message}`);
  }
  child.unref();

  let exitDescription: string | undefined;
  child.once('exit', (code, signal) => {
    exitDescription = `the Temporal dev server exited during start-up (${signal ?? `code ${code}`}); its log ${files.log} ends with:\n${logTail(files.log)}`;
  });
  child.on('error', () => undefined);

  const own: { child: ChildProcess; onExit?: () => void } = { child };
  if (!options.detached) {
    own.onExit = () => {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // already gone
      }
    };
    process.once('exit', own.onExit);
    installSignalGuard();
  }
  ownChildren.set(pid, own);
  child.once('exit', () => {
    if (own.onExit) process.removeListener('exit', own.onExit);
    ownChildren.delete(pid);
  });

  writeFileSync(files.pid, `${pid}\n`);
  const state: DevServerState = { pid, address, ...(uiUrl ? { uiUrl } : {}), startedAt: new Date().toISOString() };
  writeFileSync(files.state, `${JSON.stringify(state, null, 2)}\n`);

  try {
    await waitUntilReady(address, namespaces, Date.now() + startTimeoutMs, () => exitDescription);
  } catch (error) {
    await stopDevServer(files.dir, { timeoutMs: 5_000 }).catch(() => undefined);
    throw error;
  }
  return { address, ...(uiUrl ? { uiUrl } : {}), pid, dataDir: files.dir, dbFile: files.db, logFile: files.log, alreadyRunning: false };
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const own = ownChildren.get(pid);
  const deadline = Date.now() + timeoutMs;
  if (own && own.child.exitCode === null && own.child.signalCode === null) {
    const exited = new Promise<void>((resolve) => own.child.once('exit', () => resolve()));
    const timer = delay(timeoutMs).then(() => undefined);
    await Promise.race([exited, timer]);
  }
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await delay(100);
  }
  return !isAlive(pid);
}

/**
 * Stops the dev server of this data folder: SIGTERM, a bounded wait, then SIGKILL. Resolves to
 * true when a server was stopped, false when none was running (a stale pid file is removed).
 */
export async function stopDevServer(dataDir: string = DEFAULT_DATA_DIR, options: StopDevServerOptions = {}): Promise<boolean> {
  const files = filesOf(dataDir);
  const pid = runningPid(files.dir);
  if (pid === undefined) {
    rmSync(files.pid, { force: true });
    rmSync(files.state, { force: true });
    return false;
  }
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    // exited meanwhile
  }
  if (!(await waitForExit(pid, options.timeoutMs ?? 10_000))) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // exited meanwhile
    }
    if (!(await waitForExit(pid, 5_000))) {
      throw new Error(`the Temporal dev server (pid ${pid}) did not exit after SIGKILL`);
    }
  }
  const own = ownChildren.get(pid);
  if (own?.onExit) process.removeListener('exit', own.onExit);
  ownChildren.delete(pid);
  rmSync(files.pid, { force: true });
  rmSync(files.state, { force: true });
  return true;
}

