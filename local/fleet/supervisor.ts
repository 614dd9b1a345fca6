/**
 * Keeps every target of one local fleet running, and restarts one on request after an install.
 *
 *   node --import tsx local/fleet/supervisor.ts --state DIR --port P
 *
 * DIR/fleet.json lists the targets (domain/fleet.ts). Control API on 127.0.0.1:P:
 *   GET  /health                  the supervisor itself
 *   GET  /targets                 [{id, pid, state, restarts, crashes, lastExit}]
 *   POST /targets/:id/restart     stop the target's process and start it on the current release
 *
 * A restart needs this run's token (activities/adapters/local/supervisorToken.ts) in
 * X-Rampart-Supervisor-Token: 401 without it. Any request whose Host is not this loopback address,
 * or that a browser marks as coming from another site (Origin, Sec-Fetch-Site), is 403: a web
 * page the operator has open cannot drive the fleet.
 */
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fleetSchema, targetFolder, type Target } from '../../domain/fleet';
import { describeErrors, parseInput } from '../../domain/issues';
import { exitWithParent } from '../process/exitWithParent';
import { killNow } from '../process/pids';
import { spawnProcess, type ManagedProcess } from '../process/processes';
import { isSupervisorToken, newSupervisorToken, removeSupervisorToken, SUPERVISOR_TOKEN_HEADER, supervisorTokenFile, writeSupervisorToken } from '../../activities/adapters/local/supervisorToken';
import { targetServerCommand } from './targetCommand';

type LocalTarget = Extract<Target, { adapter: 'local' }>;
type TargetState = 'running' | 'backoff' | 'stopping' | 'stopped';

interface ManagedTarget {
  target: LocalTarget;
  port: number;
  child?: ManagedProcess;
  /** Resolves when the current child has exited. */
  exited?: Promise<void>;
  state: TargetState;
  startedAt: number;
  /** Every start after the first, whether asked for or after a crash. */
  restarts: number;
  /** Exits nobody asked for. */
  crashes: number;
  /** Crashes in a row without a healthy stretch: drives the back-off. */
  crashStreak: number;
  backoffTimer?: NodeJS.Timeout;
  lastExit?: { code: number | null; signal: string | null; at: string };
  /** Control operations on one target run one after another, never interleaved. */
  queue: Promise<unknown>;
}

/** A crash-looping release must not spin the CPU: wait 200 ms, doubling up to 5 s, between starts. */
const BACKOFF_FIRST_MS = 200;
const BACKOFF_MAX_MS = 5000;
/** A process that stayed up this long is considered healthy again: its next crash starts a new streak. */
const HEALTHY_UPTIME_MS = 10_000;
const STOP_GRACE_MS = 3000;


function readArgs(): { stateDir: string; port: number } {
  const { values } = parseArgs({ options: { state: { type: 'string' }, port: { type: 'string' } } });
  const port = Number(values.port);
  if (!values.state || !Number.isInteger(port) || port < 1 || port > 65535) {
    console.error('usage: supervisor.ts --state <fleet state dir> --port <1-65535>');
    process.exit(2);
  }
  return { stateDir: values.state, port };
}

function readLocalTargets(stateDir: string): LocalTarget[] {
  const file = join(stateDir, 'fleet.json');
  const parsed = parseInput(fleetSchema, JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.ok) throw new Error(`${file} is invalid: ${describeErrors(parsed.errors)}`);
  return parsed.value.targets.map((target) => {
    if (target.adapter !== 'local') throw new Error(`${file}: target ${target.id} is "${target.adapter}"; the supervisor runs local targets only`);
    return target;
  });
}

const log = (message: string) => console.log(`[supervisor ${new Date().toISOString()}] ${message}`);

/**
 * 403 for a request that did not come from a local program: a Host other than our own (DNS
 * rebinding), an Origin other than our own, or a browser's Sec-Fetch-Site saying another site.
 */
function foreignRequest(req: http.IncomingMessage, port: number): string | undefined {
  const own = new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  const host = req.headers.host?.toLowerCase();
  if (host !== undefined && !own.has(host)) return `Host "${host}" is not this supervisor`;
  const origin = req.headers.origin?.toLowerCase();
  if (origin !== undefined && !own.has(origin.replace(/^http:\/\//, ''))) return 'cross-origin request refused';
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return 'cross-site request refused';
  return undefined;
}

function main(): void {
  const { stateDir, port } = readArgs();
  const pidFile = join(stateDir, 'supervisor.pid');
  const logFile = join(stateDir, 'supervisor.log');
  let targets: ManagedTarget[];
  try {
    targets = readLocalTargets(stateDir).map((target) => ({
      target,
      port: Number(new URL(target.url).port),
      state: 'stopped',
      startedAt: 0,
      restarts: 0,
      crashes: 0,
      crashStreak: 0,
      queue: Promise.resolve(),
    }));
  } catch (err) {
    console.error(`supervisor: ${(err as Error).message}`);
    process.exit(2);
  }
  let shuttingDown = false;
  // This run's control token, in every target's folder before anyone can ask for a restart.
  const token = newSupervisorToken();
  try {
    for (const m of targets) writeSupervisorToken(targetFolder(m.target), token);
  } catch (err) {
    console.error(`supervisor: cannot write the control token: ${(err as Error).message}`);
    process.exit(1);
  }
  const targetArgs = targetServerCommand(stateDir, log);

  function start(m: ManagedTarget): Promise<void> {
    const { id } = m.target;
    const dir = targetFolder(m.target);
    // Output to the supervisor's own log; an IPC channel so the target exits with the supervisor
    // (exitWithParent) even when the supervisor is killed outright.
    const child = spawnProcess(process.execPath, targetArgs(['--id', id, '--dir', dir, '--port', String(m.port)]), {
      name: id,
      logFile,
      tie: 'ipc',
    });
    m.child = child;
    m.state = 'running';
    m.startedAt = Date.now();
    m.exited = child.exited.then(({ code, signal }) => {
      if (code === null && signal === null) log(`${id}: cannot start: ${child.describeExit()}`);
      onChildExit(m, child, code, signal);
    });
    return new Promise<void>((resolve) => {
      child.child.once('spawn', () => resolve());
      child.child.once('error', () => resolve());
    });
  }

  function onChildExit(m: ManagedTarget, child: ManagedProcess, code: number | null, signal: string | null): void {
    if (m.child !== child) return;
    m.child = undefined;
    m.lastExit = { code, signal, at: new Date().toISOString() };
    if (shuttingDown || m.state === 'stopping') {
      m.state = 'stopped';
      return;
    }
    if (Date.now() - m.startedAt >= HEALTHY_UPTIME_MS) m.crashStreak = 0;
    const delay = Math.min(BACKOFF_FIRST_MS * 2 ** m.crashStreak, BACKOFF_MAX_MS);
    m.crashStreak += 1;
    m.crashes += 1;
    m.state = 'backoff';
    log(`${m.target.id}: exited (code ${code}, signal ${signal}); starting again in ${delay} ms`);
    m.backoffTimer = setTimeout(() => {
      m.backoffTimer = undefined;
      if (shuttingDown || m.state !== 'backoff') return;
      m.restarts += 1;
      void start(m);
    }, delay);
  }

  async function stop(m: ManagedTarget): Promise<void> {
    clearTimeout(m.backoffTimer);
    m.backoffTimer = undefined;
    const child = m.child;
    if (!child) {
      m.state = 'stopped';
      return;
    }
    m.state = 'stopping';
    if ((await child.stopped(STOP_GRACE_MS)) === 'killed') log(`${m.target.id}: did not stop within ${STOP_GRACE_MS} ms, killed`);
    await m.exited;
  }

  /** Runs after any earlier operation on the same target, so two restarts never interleave. */
  function enqueue<T>(m: ManagedTarget, op: () => Promise<T>): Promise<T> {
    const result = m.queue.then(op, op);
    m.queue = result.catch(() => undefined);
    return result;
  }

  const restart = (m: ManagedTarget) =>
    enqueue(m, async () => {
      await stop(m);
      if (shuttingDown) throw new Error('supervisor is shutting down');
      // An operator's restart (a new release) deserves a fresh start, not the old crash streak.
      m.crashStreak = 0;
      m.restarts += 1;
      await start(m);
      log(`${m.target.id}: restarted (pid ${m.child?.pid})`);
      return describe(m);
    });

  const describe = (m: ManagedTarget) => ({
    id: m.target.id,
    pid: m.child?.pid ?? null,
    state: m.state,
    restarts: m.restarts,
    crashes: m.crashes,
    url: m.target.url,
    lastExit: m.lastExit ?? null,
  });

  const server = http.createServer((req, res) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    req.resume();
    const foreign = foreignRequest(req, port);
    if (foreign) return send(403, { error: foreign });
    if (req.method === 'GET' && path === '/health') return send(200, { status: 'ok', pid: process.pid, targets: targets.length });
    if (req.method === 'GET' && path === '/targets') return send(200, targets.map(describe));
    const match = /^\/targets\/([^/]+)\/restart$/.exec(path);
    if (req.method === 'POST' && match) {
      if (!isSupervisorToken(req.headers[SUPERVISOR_TOKEN_HEADER] as string | undefined, token)) {
        return send(401, { error: `missing or wrong X-Rampart-Supervisor-Token: read it from ${supervisorTokenFile('<target dir>')}` });
      }
      const m = targets.find((t) => t.target.id === decodeURIComponent(match[1] ?? ''));
      if (!m) return send(404, { error: `no target "${match[1]}" in this fleet` });
      restart(m).then(
        (state) => send(200, state),
        (err: Error) => send(503, { error: err.message }),
      );
      return;
    }
    send(404, { error: `no route ${req.method} ${path}` });
  });

  async function shutdown(reason: string): Promise<void> {
    if (shuttingDown) return;
    shuttingDown = true;
    log(`stopping all targets (${reason})`);
    // A target stuck somewhere must not keep the supervisor (and its pid file) alive forever.
    setTimeout(() => process.exit(1), STOP_GRACE_MS + 3000).unref();
    server.close();
    server.closeAllConnections();
    await Promise.all(targets.map((m) => stop(m)));
    process.exit(0);
  }

  // Last line of defence on any exit path: no child outlives the supervisor, no stale pid file.
  process.on('exit', () => {
    for (const m of targets) if (m.child?.pid !== undefined) killNow(m.child.pid);
    for (const m of targets) removeSupervisorToken(targetFolder(m.target));
    try {
      if (readFileSync(pidFile, 'utf8').trim() === String(process.pid)) unlinkSync(pidFile);
    } catch {
      // already gone
    }
  });
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGHUP', () => void shutdown('SIGHUP'));
  // Started with an IPC channel, the supervisor belongs to its starter (a test, a bench, a
  // script) and goes with it; started without one (`rampart fleet up`) it outlives the CLI.
  if (process.send) exitWithParent(() => void shutdown('owner gone'));
  process.on('uncaughtException', (err) => {
    console.error('supervisor: unexpected error', err);
    void shutdown('unexpected error');
  });

  server.on('error', (err) => {
    console.error(`supervisor: cannot serve on 127.0.0.1:${port}: ${err.message}`);
    process.exit(1);
  });
  server.listen(port, '127.0.0.1', () => {
    writeFileSync(pidFile, `${process.pid}\n`);
    log(`control API on http://127.0.0.1:${port}, pid ${process.pid}, ${targets.length} targets`);
    for (const m of targets) void start(m);
  });
}

main();
