import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { resolveTemporalCli } from './temporalBinaries';
import { CLI_TYPE_NAME, SEARCH_ATTRIBUTE_LIST } from '../../contract/searchAttributes';
import { isProcessOf, readPidFile, stopPid } from '../process/pids';
import { assertPortFree } from '../process/ports';
import { spawnProcess, type ManagedProcess } from '../process/processes';
import { lastLines, NotReadyError, pollUntil } from '../process/readiness';

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
   * false (default): it is stopped when this process exits, however it exits (even SIGKILL).
   */
  detached?: boolean;
  /** Namespaces to create besides "default". */
  namespaces?: string[];
  /** How long to wait for the front end to answer. Default 30 s. */
  startTimeoutMs?: number;
  /** The Temporal CLI; default resolveTemporalCli(). */
  cli?: string;
  /**
   * Register Rampart's search attributes (contract/searchAttributes.ts) at start. Default true;
   * false only to test what happens on a cluster where nobody ran `rampart server setup`.
   */
  searchAttributes?: boolean;
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

/** Servers this process started, so that stop can await their exit. */
const ownServers = new Map<number, ManagedProcess>();

/** The pid-recycle guard: the process must be a dev server on this data folder's SQLite file. */
function runningPid(dataDir: string): number | undefined {
  const files = filesOf(dataDir);
  const pid = readPidFile(files.pid);
  return pid !== undefined && isProcessOf(pid, ['start-dev', files.db]) ? pid : undefined;
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
export { findFreePort } from '../process/ports';

async function assertPortFreeFor(ip: string, port: number, what: string): Promise<void> {
  try {
    await assertPortFree(ip, port);
  } catch (error) {
    throw new Error(`cannot start the Temporal dev server: ${what} ${(error as Error).message}`);
  }
}

/** Resolves once the front end answers and every namespace exists; bounded by the timeout. */
async function waitUntilReady(address: string, namespaces: string[], timeoutMs: number, server: ManagedProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = 'no answer';
  await pollUntil(
    async () => {
      let connection: Connection | undefined;
      try {
        connection = await Connection.connect({ address, connectTimeout: Math.max(500, Math.min(2_000, deadline - Date.now())) });
        const conn = connection;
        await conn.withDeadline(Date.now() + 2_000, async () => {
          await conn.workflowService.getSystemInfo({});
          for (const namespace of namespaces) await conn.workflowService.describeNamespace({ namespace });
        });
        return true;
      } catch (error) {
        lastError = (error as Error).message;
        return undefined;
      } finally {
        await connection?.close().catch(() => undefined);
      }
    },
    {
      timeoutMs,
      pollMs: 250,
      failFast: () =>
        server.running ? undefined : `the Temporal dev server exited during start-up (${server.describeExit()}); its log ${server.logFile} ends with:\n${lastLines(server.output())}`,
      onTimeout: () => new NotReadyError(`the Temporal dev server at ${address} did not answer in time (last error: ${lastError})`, server.logFile),
    },
  );
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
  await assertPortFreeFor(ip, port, 'gRPC');
  if (ui) await assertPortFreeFor(ip, uiPort, 'UI');

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
    // Rampart's search attributes, registered at every start (an existing SQLite file included):
    // a workflow that upserts one the namespace lacks fails every workflow task.
    ...(options.searchAttributes === false ? [] : SEARCH_ATTRIBUTE_LIST).flatMap((k) => ['--search-attribute', `${k.name}=${CLI_TYPE_NAME[k.type]}`]),
    '--log-level', 'warn',
    '--disable-config-file',
    '--disable-config-env',
    ...(options.extraArgs ?? []),
  ];

  const server = spawnProcess(cli, args, {
    name: 'the Temporal dev server',
    cwd: files.dir,
    logFile: files.log,
    banner: `rampart: ${cli} ${args.join(' ')}`,
    lifetime: options.detached ? 'outlive' : 'owner',
    // The server knows nothing of us: leashed, it goes even when this process is killed outright.
    tie: 'leash',
    unref: true,
  });
  const pid = server.pid;
  if (pid === undefined) {
    await server.exited;
    throw new Error(`cannot start ${cli}: ${server.describeExit()}`);
  }
  ownServers.set(pid, server);
  void server.exited.then(() => ownServers.delete(pid));

  writeFileSync(files.pid, `${pid}\n`);
  const state: DevServerState = { pid, address, ...(uiUrl ? { uiUrl } : {}), startedAt: new Date().toISOString() };
  writeFileSync(files.state, `${JSON.stringify(state, null, 2)}\n`);

  try {
    await waitUntilReady(address, namespaces, startTimeoutMs, server);
  } catch (error) {
    await stopDevServer(files.dir, { timeoutMs: 5_000 }).catch(() => undefined);
    throw error;
  }
  return { address, ...(uiUrl ? { uiUrl } : {}), pid, dataDir: files.dir, dbFile: files.db, logFile: files.log, alreadyRunning: false };
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
  const own = ownServers.get(pid);
  const timeoutMs = options.timeoutMs ?? 10_000;
  try {
    if (own) await own.stopped(timeoutMs);
    else await stopPid(pid, { timeoutMs });
  } catch {
    throw new Error(`the Temporal dev server (pid ${pid}) did not exit after SIGKILL`);
  }
  ownServers.delete(pid);
  rmSync(files.pid, { force: true });
  rmSync(files.state, { force: true });
  return true;
}

