/**
 * Brings a local fleet up and down: target directories with an installed release, fleet.json, and
 * one supervisor process (local/fleet/supervisor.ts) that keeps the targets running after
 * the CLI has exited.
 *
 * stateDir/
 *   fleet.json               the fleet, per domain/fleet.ts
 *   supervisor.pid           present while the supervisor runs
 *   supervisor.log           supervisor and target output
 *   artifacts/               the artifact the fleet started from
 *   targets/t-01/            releases/<version>/, current -> releases/<version>, install-log.jsonl,
 *                            boot-log.jsonl (each start of the target's process, written by it)
 */
import { mkdir, readFile, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { join, resolve } from 'node:path';
import * as tar from 'tar';
import { fleetSchema, targetFolder, type Fleet, type Target } from '../../domain/fleet';
import { describeErrors, parseInput } from '../../domain/issues';
import { versionSchema } from '../../domain/release';
import { buildArtifact } from './artifactBuild';
import { isAlive, isProcessOf, killNow, readPidFile, signalPid, stopPid } from '../process/pids';
import { pickFreePorts } from '../process/ports';
import { spawnProcess } from '../process/processes';
import { NotReadyError, pollUntil } from '../process/readiness';
import { nodeArgsForTs } from '../process/tsxCommand';
import { readJournal, type JournalRecord } from '../../activities/adapters/local/installJournal';
export { isAlive } from '../process/processAlive';

const SUPERVISOR_SCRIPT = resolve(__dirname, './supervisor.ts');
const MAX_TARGETS = 99;

export interface FleetUpOptions {
  stateDir: string;
  size: number;
  version: string;
  /** Supervisor on basePort, targets on basePort+1..; free ports are picked when absent. */
  basePort?: number;
  /** How many of the first targets form the internal (dogfood) ring; default 2, 0 allowed. */
  internal?: number;
  /** How long to wait for every target to report the version; default defaultFleetReadyTimeoutMs(size). */
  readyTimeoutMs?: number;
  /**
   * true: the supervisor keeps running after this process exits (`rampart fleet up`).
   * false (default): it dies with this process, however this process ends, and its targets with it.
   */
  keepRunning?: boolean;
}

/**
 * Time for a fleet to come up: every target is a Node process of its own, and on a small machine
 * they start one after another (12 targets took 18 s on 2 cores right after a worker started).
 */
export function defaultFleetReadyTimeoutMs(size: number): number {
  return 30_000 + 4_000 * size;
}

/** fleetUp on a folder whose fleet is still running: nothing was changed. */
export class FleetAlreadyRunningError extends Error {
  override name = 'FleetAlreadyRunningError';
}

/** Not every target reported its version in time; the supervisor was stopped again. */
export class FleetNotReadyError extends NotReadyError {
  constructor(
    readonly notReady: string[],
    readonly version: string,
    readonly timeoutMs: number,
    logFile: string,
  ) {
    super(`after ${timeoutMs / 1000} s, ${notReady.length} target(s) did not report version ${version} on /health: ${notReady.join(', ')}; read ${logFile}`, logFile);
    this.name = 'FleetNotReadyError';
  }
}

export interface FleetUpResult {
  stateDir: string;
  fleetFile: string;
  fleet: Fleet;
  supervisorPid: number;
  supervisorUrl: string;
  artifact: { path: string; sha256: string };
}

type LocalTarget = Extract<Target, { adapter: 'local' }>;

export async function fleetUp(options: FleetUpOptions): Promise<FleetUpResult> {
  const stateDir = resolve(options.stateDir);
  const { size, version } = options;
  const internal = options.internal ?? Math.min(2, size);
  if (!Number.isInteger(size) || size < 1 || size > MAX_TARGETS) throw new Error(`fleet size must be a whole number from 1 to ${MAX_TARGETS}, got ${size}`);
  if (!Number.isInteger(internal) || internal < 0 || internal > size) throw new Error(`internal must be a whole number from 0 to the fleet size (${size}), got ${internal}`);
  const versionCheck = parseInput(versionSchema, version);
  if (!versionCheck.ok) throw new Error(`version "${version}": ${describeErrors(versionCheck.errors)}`);

  const running = await runningSupervisorPid(stateDir);
  if (running) throw new FleetAlreadyRunningError(`a fleet is already running in ${stateDir} (supervisor pid ${running}); run "fleet down" first`);

  // A fresh fleet at `version`: whatever an earlier, stopped fleet left here is replaced.
  await rm(join(stateDir, 'targets'), { recursive: true, force: true });
  await rm(join(stateDir, 'fleet.json'), { force: true });
  await mkdir(join(stateDir, 'targets'), { recursive: true });

  const artifact = await buildArtifact({ version, outDir: join(stateDir, 'artifacts'), notes: `Initial release of the local fleet` });
  const [supervisorPort, ...targetPorts] = await pickFreePorts(size + 1, options.basePort === undefined ? {} : { basePort: options.basePort });
  const supervisorUrl = `http://127.0.0.1:${supervisorPort}`;

  const targets: LocalTarget[] = [];
  for (let i = 0; i < size; i++) {
    const id = `t-${String(i + 1).padStart(2, '0')}`;
    await installInitialRelease(join(stateDir, 'targets', id), version, artifact.path);
    targets.push({ id, adapter: 'local', dir: `targets/${id}`, url: `http://127.0.0.1:${targetPorts[i]}`, supervisorUrl, labels: { ring: i < internal ? 'internal' : 'external' } });
  }
  // Target dirs are relative to the fleet's root, this folder (domain/fleet.ts).
  const written = { name: 'local', version, root: stateDir, targets };
  const fleet = fleetSchema.parse(written);
  const fleetFile = join(stateDir, 'fleet.json');
  await writeFile(fleetFile, `${JSON.stringify(written, null, 2)}\n`);

  const supervisorPid = startSupervisor(stateDir, supervisorPort!, options.keepRunning ?? false);
  const logFile = join(stateDir, 'supervisor.log');
  const timeoutMs = options.readyTimeoutMs ?? defaultFleetReadyTimeoutMs(size);
  try {
    await waitForFleet(fleet, version, supervisorPid, timeoutMs, logFile);
  } catch (err) {
    await stopSupervisor(supervisorPid, 5000);
    if (err instanceof FleetNotReadyError) throw err;
    const log = await tail(logFile, 15);
    throw new Error(`the local fleet did not come up: ${(err as Error).message}${log ? `\nlast lines of ${logFile}:\n${log}` : ''}`);
  }
  return { stateDir, fleetFile, fleet, supervisorPid, supervisorUrl, artifact };
}

async function installInitialRelease(dir: string, version: string, artifactPath: string): Promise<void> {
  const releaseDir = join(dir, 'releases', version);
  await mkdir(releaseDir, { recursive: true });
  await tar.x({ file: artifactPath, cwd: releaseDir });
  await symlink(join('releases', version), join(dir, 'current'));
}

/**
 * The supervisor, output to supervisor.log. Tied to this process by an IPC channel (it exits when
 * the channel closes) unless it is to keep running after the CLI has exited.
 */
function startSupervisor(stateDir: string, port: number, keepRunning: boolean): number {
  const supervisor = spawnProcess(process.execPath, nodeArgsForTs(SUPERVISOR_SCRIPT, ['--state', stateDir, '--port', String(port)]), {
    name: 'the fleet supervisor',
    cwd: stateDir,
    logFile: join(stateDir, 'supervisor.log'),
    lifetime: keepRunning ? 'outlive' : 'owner',
    tie: 'ipc',
    unref: true,
  });
  if (supervisor.pid === undefined) throw new Error(`cannot start the supervisor (${process.execPath})`);
  return supervisor.pid;
}

async function waitForFleet(fleet: Fleet, version: string, supervisorPid: number, timeoutMs: number, logFile: string): Promise<void> {
  const pending = new Set(fleet.targets as LocalTarget[]);
  await pollUntil(
    async () => {
      await Promise.all(
        [...pending].map(async (target) => {
          const health = await getJson(`${target.url}/health`, 1000).catch(() => undefined);
          if ((health as { version?: string } | undefined)?.version === version) pending.delete(target);
        }),
      );
      return pending.size === 0 ? true : undefined;
    },
    {
      timeoutMs,
      pollMs: 200,
      failFast: () => (isAlive(supervisorPid) ? undefined : `the supervisor (pid ${supervisorPid}) exited`),
      onTimeout: () => new FleetNotReadyError([...pending].map((t) => t.id), version, timeoutMs, logFile),
    },
  );
}

export interface FleetDownResult {
  wasRunning: boolean;
  /** The supervisor had to be killed after not stopping in time. */
  forced: boolean;
  message: string;
}

/** Stops the supervisor and, through it, every target. Not running is an answer, not an error. */
export async function fleetDown(options: { stateDir: string; timeoutMs?: number }): Promise<FleetDownResult> {
  const stateDir = resolve(options.stateDir);
  const pidFile = join(stateDir, 'supervisor.pid');
  const pid = readPidFile(pidFile);
  if (pid === undefined) return { wasRunning: false, forced: false, message: `no local fleet is running in ${stateDir}` };
  if (!isOurSupervisor(pid, stateDir)) {
    await unlink(pidFile).catch(() => undefined);
    return { wasRunning: false, forced: false, message: `no local fleet is running in ${stateDir} (removed a stale supervisor.pid naming pid ${pid})` };
  }
  const targetPids = await supervisorTargets(stateDir).then((ts) => ts.map((t) => t.pid).filter((p): p is number => typeof p === 'number'), () => []);
  const forced = await stopSupervisor(pid, options.timeoutMs ?? 10_000);
  // Targets exit with their supervisor; anything that somehow did not is killed, not left behind.
  for (const child of targetPids) if (isAlive(child)) signalPid(child, 'SIGKILL');
  await unlink(pidFile).catch(() => undefined);
  return {
    wasRunning: true,
    forced,
    message: forced ? `local fleet in ${stateDir} did not stop in time and was killed (supervisor pid ${pid})` : `local fleet in ${stateDir} stopped (supervisor pid ${pid})`,
  };
}

/**
 * SIGTERM to the supervisor (it stops its targets), SIGKILL after the timeout; then anything left
 * in its process group goes too. Returns true when it had to kill.
 */
async function stopSupervisor(pid: number, timeoutMs: number): Promise<boolean> {
  const outcome = await stopPid(pid, { timeoutMs, group: false }).catch(() => 'killed' as const);
  killNow(pid);
  return outcome === 'killed';
}

export interface TargetStatus {
  id: string;
  ring: string | undefined;
  url: string;
  up: boolean;
  version: string | null;
  pid: number | null;
  state: string;
  restarts: number;
  crashes: number;
}

export interface FleetStatus {
  stateDir: string;
  running: boolean;
  supervisorPid: number | null;
  fleet: Fleet | null;
  targets: TargetStatus[];
}

/** What the fleet looks like now: the supervisor's view of each process plus each target's own /health. */
export async function fleetStatus(options: { stateDir: string }): Promise<FleetStatus> {
  const stateDir = resolve(options.stateDir);
  const fleet = await readFleet(stateDir).catch(() => null);
  const pid = readPidFile(join(stateDir, 'supervisor.pid'));
  const running = pid !== undefined && isOurSupervisor(pid, stateDir);
  if (!fleet) return { stateDir, running, supervisorPid: running ? pid! : null, fleet: null, targets: [] };
  const processes = running ? await supervisorTargets(stateDir).catch(() => []) : [];
  const targets = await Promise.all(
    (fleet.targets as LocalTarget[]).map(async (target): Promise<TargetStatus> => {
      const health = (await getJson(`${target.url}/health`, 1000).catch(() => undefined)) as { version?: string } | undefined;
      const proc = processes.find((p) => p.id === target.id);
      return {
        id: target.id,
        ring: target.labels.ring,
        url: target.url,
        up: health !== undefined,
        version: health?.version ?? null,
        pid: proc?.pid ?? null,
        state: proc?.state ?? 'stopped',
        restarts: proc?.restarts ?? 0,
        crashes: proc?.crashes ?? 0,
      };
    }),
  );
  return { stateDir, running, supervisorPid: running ? pid! : null, fleet, targets };
}

/** One line of a target's install journal. */
export type InstallRecord = JournalRecord;

/** Every install and rollback each target recorded, oldest first, for tests and `fleet status`. */
export async function readInstallJournals(options: { stateDir: string }): Promise<{ targetId: string; records: InstallRecord[] }[]> {
  const fleet = await readFleet(resolve(options.stateDir));
  return Promise.all(
    fleet.targets.map(async (target) => {
      if (target.adapter !== 'local') return { targetId: target.id, records: [] };
      return { targetId: target.id, records: await readJournal(targetFolder(target)) };
    }),
  );
}

export async function readFleet(stateDir: string): Promise<Fleet> {
  const file = join(resolve(stateDir), 'fleet.json');
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new Error(`cannot read ${file}: ${(err as Error).message}`);
  }
  const parsed = parseInput(fleetSchema, raw);
  if (!parsed.ok) throw new Error(`${file} is invalid: ${describeErrors(parsed.errors)}`);
  return parsed.value;
}

interface SupervisedProcess {
  id: string;
  pid: number | null;
  state: string;
  restarts: number;
  crashes: number;
}

async function supervisorTargets(stateDir: string): Promise<SupervisedProcess[]> {
  const fleet = await readFleet(stateDir);
  const first = fleet.targets[0];
  if (!first || first.adapter !== 'local') return [];
  return (await getJson(`${first.supervisorUrl}/targets`, 2000)) as SupervisedProcess[];
}

async function runningSupervisorPid(stateDir: string): Promise<number | undefined> {
  const pid = readPidFile(join(stateDir, 'supervisor.pid'));
  return pid !== undefined && isOurSupervisor(pid, stateDir) ? pid : undefined;
}

/** Guards against a stale pid file whose pid now belongs to some unrelated process. */
const isOurSupervisor = (pid: number, stateDir: string) => isProcessOf(pid, ['supervisor.ts', stateDir]);

function getJson(url: string, timeoutMs: number): Promise<unknown> {
  return new Promise((ok, fail) => {
    const req = http.get(url, { agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => {
        if ((res.statusCode ?? 0) >= 300) return fail(new Error(`GET ${url}: HTTP ${res.statusCode}`));
        try {
          ok(JSON.parse(body));
        } catch {
          fail(new Error(`GET ${url}: not JSON`));
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out after ${timeoutMs} ms`)));
    req.on('error', fail);
  });
}

async function tail(file: string, lines: number): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/** Where a fleet's supervisor keeps its pid: for tests and the CLI. */
export const supervisorPidFile = (stateDir: string) => join(resolve(stateDir), 'supervisor.pid');
