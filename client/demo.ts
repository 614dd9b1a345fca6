/**
 * The quick-start demo, `npm run demo [-- --keep] [-- --dir <dir>]`: everything a real rollout uses,
 * on this machine, in about two minutes.
 *
 *   1. the embedded Temporal dev server (SQLite, Web UI) with its data in .rampart/demo
 *   2. a Rampart worker process on the demo task queue
 *   3. a real local fleet of 10 target processes on 1.0.0 (2 of them the internal dogfood ring)
 *   4. two artifacts: 1.1.0 (good) and 1.2.0 (fails 30% of requests)
 *   5. playbooks/demo.yaml, checked with `rampart playbook validate`
 *   6. `rampart rollout start --wait` of 1.1.0: dogfood, canary and two waves, every gate passes
 *   7. `rampart rollout start --wait` of 1.2.0: the breaker trips on the internal ring and the
 *      changed targets are rolled back to 1.1.0
 *
 * Then it checks every target's /health, prints a summary, and stops everything it started (on
 * success, failure, Ctrl-C or SIGTERM), unless --keep leaves the stack up to explore. Exit codes:
 * 0 the demo ran as expected, 1 it did not (the message names the logs), 2 bad flags,
 * 130/143 interrupted. RAMPART_DEMO_TIMEOUT_MS bounds the whole run (default 6 minutes).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { RolloutStatus } from '../domain/rolloutStatus';
import { buildArtifact, type BuiltArtifact } from './artifactBuild';
import { findFreePort, startDevServer, stopDevServer, type DevServer } from './devServer';
import { fleetDown, fleetStatus, fleetUp, isAlive, readInstallJournals, type FleetUpResult } from './localFleet';
import { REPO_ROOT } from './temporalBinaries';
import { isWorkerProcess, killDemoWorkerNow, startDemoWorker, stopDemoWorker, type DemoWorker } from './demo/demoWorker';
import { killRunningRampart, runRampart, type RampartRun } from './demo/runRampart';
import { readStackRecord, writeStackRecord, type DemoStackRecord } from './demo/stackRecord';

const TASK_QUEUE = 'rampart-demo';
const NAMESPACE = 'default';
const FLEET_SIZE = 10;
const INTERNAL_TARGETS = 2;
const FIRST_VERSION = '1.0.0';
const GOOD_VERSION = '1.1.0';
const BAD_VERSION = '1.2.0';
const BAD_ERROR_RATE = 0.3;
const PLAYBOOK = join(REPO_ROOT, 'playbooks', 'demo.yaml');
const STANDARD_PORT = 7233;
const STANDARD_UI_PORT = 8233;
const CLI_PREFIX = '  rampart | ';

const USAGE = `usage: npm run demo [-- --keep] [-- --dir <dir>]

  --keep       leave the Temporal dev server, the worker and the fleet running afterwards
  --dir <dir>  where the demo keeps its state and logs (default .rampart/demo)
  --help       print this`;

class DemoFailure extends Error {}

// ---------------------------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------------------------

const startedAt = Date.now();
const say = (line = '') => process.stdout.write(`${line}\n`);
let stepNo = 0;
const heading = (title: string) => say(`\n[${++stepNo}/7] ${title}`);

function elapsed(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

/** A path as a user would type it from the repository root (where `npm run demo` runs). */
function show(path: string): string {
  const rel = relative(REPO_ROOT, path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

// ---------------------------------------------------------------------------------------------
// What the demo started, and stopping it
// ---------------------------------------------------------------------------------------------

interface Stack {
  dir: string;
  fleetDir: string;
  keep: boolean;
  record: DemoStackRecord;
  /** Set as soon as the dev server is being started, and the server once it answers. */
  serverStarted: boolean;
  server?: DevServer;
  /** Set as soon as the worker process exists, and the worker once it polls. */
  workerPid?: number;
  worker?: DemoWorker;
  /** Set as soon as fleetUp is called: a half-started fleet is stopped too. */
  fleetStarted: boolean;
  fleet?: FleetUpResult;
  /** Start-up work still in flight: stopping waits (bounded) for it, so nothing starts after the stop. */
  pending: Set<Promise<unknown>>;
  stopped: boolean;
}

function saveRecord(stack: Stack): void {
  try {
    writeStackRecord(stack.record);
  } catch (err) {
    process.stderr.write(`demo: cannot write ${join(stack.dir, 'stack.json')}: ${(err as Error).message}\n`);
  }
}

function track<T>(stack: Stack, work: Promise<T>): Promise<T> {
  stack.pending.add(work);
  const forget = () => stack.pending.delete(work);
  work.then(forget, forget);
  return work;
}

async function withDeadline<T>(work: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([work, new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** Stops the worker, the fleet and the dev server; returns what could not be stopped. */
async function stopStack(stack: Stack): Promise<string[]> {
  const problems: string[] = [];
  killRunningRampart();
  await withDeadline(Promise.allSettled([...stack.pending]), 90_000);
  const attempt = async (what: string, work: () => Promise<string | undefined>) => {
    try {
      const done = await work();
      if (done) say(`  ${done}`);
    } catch (err) {
      problems.push(`${what}: ${(err as Error).message}`);
    }
  };
  await attempt('worker', async () => {
    if (stack.workerPid === undefined) return undefined;
    const how = await stopDemoWorker(stack.workerPid);
    return how === 'not running' ? undefined : `worker (pid ${stack.workerPid}) ${how}`;
  });
  await attempt('fleet', async () => {
    if (!stack.fleetStarted) return undefined;
    const result = await fleetDown({ stateDir: stack.fleetDir });
    return result.wasRunning ? `fleet: ${result.message}` : undefined;
  });
  await attempt('Temporal dev server', async () => (stack.serverStarted && (await stopDevServer(stack.dir)) ? 'Temporal dev server stopped' : undefined));
  if (problems.length === 0) {
    stack.stopped = true;
    stack.record.stoppedAt = new Date().toISOString();
    saveRecord(stack);
  }
  return problems;
}

/** Last resort when the process exits without a clean stop (a second Ctrl-C): kill, do not wait. */
function killStackNow(stack: Stack): void {
  if (stack.stopped) return;
  if (stack.workerPid !== undefined) killDemoWorkerNow(stack.workerPid);
  try {
    const pid = Number(readFileSync(join(stack.fleetDir, 'supervisor.pid'), 'utf8').trim());
    // The supervisor stops its targets on SIGTERM; they also exit by themselves once it is gone.
    if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) process.kill(pid, 'SIGTERM');
  } catch {
    // no fleet
  }
  // A non-detached dev server is stopped by devServer.ts's own exit hook.
  if (stack.keep && stack.server) {
    try {
      process.kill(stack.server.pid, 'SIGTERM');
    } catch {
      // gone
    }
  }
}

/** What an earlier run left behind in this folder (--keep, or a run that was killed) is stopped first. */
async function stopLeftovers(dir: string, fleetDir: string): Promise<void> {
  const earlier = readStackRecord(dir);
  if (earlier && earlier.demoPid !== process.pid && isAlive(earlier.demoPid)) {
    let cmdline = '';
    try {
      cmdline = readFileSync(`/proc/${earlier.demoPid}/cmdline`, 'utf8');
    } catch {
      // no /proc
    }
    if (cmdline.includes('demo')) {
      throw new DemoFailure(`another demo (pid ${earlier.demoPid}) is running in ${show(dir)}; wait for it to end, or give this one --dir <another folder>`);
    }
  }
  const stopped: string[] = [];
  if (earlier?.worker && isWorkerProcess(earlier.worker.pid)) {
    await stopDemoWorker(earlier.worker.pid);
    stopped.push(`worker (pid ${earlier.worker.pid})`);
  }
  if ((await fleetDown({ stateDir: fleetDir })).wasRunning) stopped.push('fleet');
  if (await stopDevServer(dir)) stopped.push('Temporal dev server');
  if (stopped.length > 0) say(`  stopped what an earlier demo left running here: ${stopped.join(', ')}`);
}

/** A fresh start: the files of earlier runs (and only those) are removed. */
function removeEarlierRun(dir: string, fleetDir: string): void {
  for (const name of readdirSync(dir)) {
    if (/^temporal\.(sqlite.*|log|json|pid)$/.test(name) || /^(worker|rollout-.*)\.log$/.test(name) || name === 'stack.json') {
      rmSync(join(dir, name), { force: true });
    }
  }
  rmSync(join(dir, 'artifacts'), { recursive: true, force: true });
  rmSync(join(fleetDir, 'supervisor.log'), { force: true });
}

// ---------------------------------------------------------------------------------------------
// The demo's steps
// ---------------------------------------------------------------------------------------------

async function portIsFree(port: number): Promise<boolean> {
  return await new Promise<boolean>((done) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => done(false));
    server.listen(port, '127.0.0.1', () => server.close(() => done(true)));
  });
}

/** 7233/8233 when both are free, so the Web UI is where people expect it; any free ports otherwise. */
async function startTemporal(stack: Stack): Promise<DevServer> {
  const common = { dataDir: stack.dir, ui: true, detached: stack.keep, startTimeoutMs: 60_000 };
  if ((await portIsFree(STANDARD_PORT)) && (await portIsFree(STANDARD_UI_PORT))) {
    try {
      return await startDevServer({ ...common, port: STANDARD_PORT, uiPort: STANDARD_UI_PORT });
    } catch (err) {
      if (!/already in use/.test((err as Error).message)) throw err;
    }
  }
  const port = await findFreePort();
  let uiPort = await findFreePort();
  while (uiPort === port) uiPort = await findFreePort();
  say(`  ports ${STANDARD_PORT}/${STANDARD_UI_PORT} are taken; using ${port}/${uiPort} instead`);
  return await startDevServer({ ...common, port, uiPort });
}

/** The environment every child gets: the demo's server and task queue, whatever the shell says. */
function demoEnv(address: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env)) if (name.startsWith('TEMPORAL_TLS') || name === 'TEMPORAL_API_KEY') delete env[name];
  return { ...env, TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: NAMESPACE, RAMPART_TASK_QUEUE: TASK_QUEUE };
}

interface TargetVersion {
  id: string;
  version: string | null;
  up: boolean;
}

/** Every target's own answer on /health. */
async function readFleetVersions(fleetDir: string): Promise<TargetVersion[]> {
  const status = await fleetStatus({ stateDir: fleetDir });
  return status.targets.map((t) => ({ id: t.id, version: t.version, up: t.up }));
}

function expectFleetOn(versions: TargetVersion[], version: string, when: string): void {
  const off = versions.filter((t) => !t.up || t.version !== version);
  if (versions.length !== FLEET_SIZE || off.length > 0) {
    throw new DemoFailure(
      `${when}, expected all ${FLEET_SIZE} targets on ${version}, but ${off.map((t) => `${t.id} ${t.up ? `reports ${t.version}` : 'does not answer'}`).join(', ') || `only ${versions.length} answered`}`,
    );
  }
}

/** Every rollout the demo started, for the --keep hints. */
const rolloutIdsStarted: string[] = [];

interface RolloutRun {
  id: string;
  run: RampartRun;
  status?: RolloutStatus;
  logFile: string;
}

/** `rampart rollout start ... --wait` as a user types it, then `rampart rollout status`. */
async function rollOut(stack: Stack, env: NodeJS.ProcessEnv, artifact: BuiltArtifact, version: string, reason: string, timeoutMs: number): Promise<RolloutRun> {
  const id = `demo-${version}-${randomBytes(3).toString('hex')}`;
  const logFile = join(stack.dir, `rollout-${version}.log`);
  const args = [
    'rollout', 'start',
    '--playbook', show(PLAYBOOK),
    '--fleet', show(stack.fleet!.fleetFile),
    '--artifact', show(artifact.path),
    '--id', id,
    '--reason', reason,
    '--wait',
  ];
  say(`  $ TEMPORAL_ADDRESS=${env.TEMPORAL_ADDRESS} RAMPART_TASK_QUEUE=${TASK_QUEUE} bin/rampart ${args.map((a) => (/\s/.test(a) ? `"${a}"` : a)).join(' ')}`);
  rolloutIdsStarted.push(id);
  const run = await runRampart(args, { env, cwd: REPO_ROOT, prefix: CLI_PREFIX, logFile, timeoutMs });
  say(`  (rampart exited with ${run.timedOut ? `a timeout after ${timeoutMs / 1000} s` : run.signal ?? `code ${run.code}`})`);
  if (run.timedOut || run.code === null) return { id, run, logFile };

  say(`\n  $ bin/rampart rollout status ${id}`);
  await runRampart(['rollout', 'status', id], { env, cwd: REPO_ROOT, prefix: CLI_PREFIX, logFile, timeoutMs: 60_000 });
  const json = await runRampart(['rollout', 'status', id, '--json'], { env, cwd: REPO_ROOT, timeoutMs: 60_000 });
  let status: RolloutStatus | undefined;
  try {
    status = JSON.parse(json.stdout) as RolloutStatus;
  } catch {
    status = undefined;
  }
  return { id, run, status, logFile };
}

function rolloutTook(status: RolloutStatus): string {
  return status.endedAt ? elapsed(Date.parse(status.endedAt) - Date.parse(status.startedAt)) : '?';
}

// ---------------------------------------------------------------------------------------------
// main
// ---------------------------------------------------------------------------------------------

interface Flags {
  keep: boolean;
  dir: string;
}

function readFlags(): Flags | number {
  try {
    const { values } = parseArgs({
      args: process.argv.slice(2),
      options: { keep: { type: 'boolean' }, dir: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    });
    if (values.help) {
      say(USAGE);
      return 0;
    }
    if (values.dir !== undefined && values.dir.trim() === '') throw new Error('--dir: give a folder');
    return { keep: Boolean(values.keep), dir: resolve(values.dir ?? join(REPO_ROOT, '.rampart', 'demo')) };
  } catch (err) {
    process.stderr.write(`demo: ${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
}

async function main(): Promise<number> {
  const flags = readFlags();
  if (typeof flags === 'number') return flags;
  const dir = flags.dir;
  const fleetDir = join(dir, 'fleet');
  const stack: Stack = {
    dir,
    fleetDir,
    keep: flags.keep,
    record: { demoPid: process.pid, dir, keep: flags.keep },
    serverStarted: false,
    fleetStarted: false,
    pending: new Set(),
    stopped: false,
  };
  const timeoutMs = Number(process.env.RAMPART_DEMO_TIMEOUT_MS) > 0 ? Number(process.env.RAMPART_DEMO_TIMEOUT_MS) : 6 * 60_000;

  // Interrupts and the overall deadline abort whatever the demo is waiting for; the stop follows.
  const abort = new AbortController();
  let interrupted: NodeJS.Signals | undefined;
  let interruptedAt = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    // One Ctrl-C can arrive more than once: from the terminal to the whole process group, and
    // relayed by npm and tsx. Only a signal a moment later means "kill at once".
    if (interrupted && Date.now() - interruptedAt < 2_000) return;
    if (interrupted) {
      process.stderr.write(`\ndemo: ${signal} again: killing everything now\n`);
      killRunningRampart('SIGKILL');
      killStackNow(stack);
      process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGHUP' ? 1 : 15));
    }
    interrupted = signal;
    interruptedAt = Date.now();
    process.stderr.write(`\ndemo: ${signal}: stopping everything the demo started (again to kill at once)\n`);
    killRunningRampart();
    abort.abort(new DemoFailure(`interrupted by ${signal}`));
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onSignal);
  process.on('exit', () => {
    if (!(stack.keep && !interrupted)) killStackNow(stack);
  });
  const deadline = setTimeout(() => {
    killRunningRampart();
    abort.abort(new DemoFailure(`the demo did not finish within ${elapsed(timeoutMs)} (RAMPART_DEMO_TIMEOUT_MS); stopping it`));
  }, timeoutMs);
  deadline.unref();

  /** Waits for work, unless the demo is aborted first; the work stays tracked until it settles. */
  const step = <T>(work: Promise<T>): Promise<T> => {
    track(stack, work);
    return new Promise<T>((ok, fail) => {
      if (abort.signal.aborted) return fail(abort.signal.reason);
      const onAbort = () => fail(abort.signal.reason);
      abort.signal.addEventListener('abort', onAbort, { once: true });
      work.then(
        (value) => {
          abort.signal.removeEventListener('abort', onAbort);
          ok(value);
        },
        (err) => {
          abort.signal.removeEventListener('abort', onAbort);
          fail(err);
        },
      );
    });
  };

  let outcome: 'ok' | 'failed' = 'failed';
  let failure: string | undefined;
  let summary: string[] = [];
  say(`Rampart demo: a good release and a bad one, rolled out to a real local fleet with Temporal${flags.keep ? ' (--keep)' : ''}`);
  say(`state and logs in ${show(dir)}/`);
  try {
    mkdirSync(dir, { recursive: true });
    await step(stopLeftovers(dir, fleetDir));
    removeEarlierRun(dir, fleetDir);
    saveRecord(stack);
    // Targets make their own steady traffic, which the health gates read: keep it at the default.
    process.env.RAMPART_TRAFFIC_RPS = '20';

    heading('Temporal dev server (SQLite, Web UI)');
    stack.serverStarted = true;
    const server = await step(
      startTemporal(stack).then((started) => {
        stack.server = started;
        stack.record.temporal = { pid: started.pid, address: started.address, ...(started.uiUrl ? { uiUrl: started.uiUrl } : {}), dataDir: dir };
        saveRecord(stack);
        return started;
      }),
    );
    say(`  Temporal at ${server.address} (pid ${server.pid}), Web UI ${server.uiUrl ?? 'off'}, log ${show(server.logFile)}`);
    const env = demoEnv(server.address);

    heading(`Rampart worker on task queue "${TASK_QUEUE}"`);
    const workerLog = join(dir, 'worker.log');
    const workerReady = track(
      stack,
      startDemoWorker({
        env,
        cwd: REPO_ROOT,
        logFile: workerLog,
        readyTimeoutMs: 150_000,
        signal: abort.signal,
        onSpawn: (pid) => {
          stack.workerPid = pid;
          stack.record.worker = { pid, taskQueue: TASK_QUEUE, logFile: workerLog };
          saveRecord(stack);
        },
      }).then((worker) => (stack.worker = worker)),
    );
    workerReady.catch(() => undefined); // awaited below; failing early must not be an unhandled rejection
    say(`  starting (it bundles the workflow code first); log ${show(workerLog)}`);

    heading(`local fleet: ${FLEET_SIZE} target processes on ${FIRST_VERSION}, ${INTERNAL_TARGETS} of them the internal ring`);
    stack.fleetStarted = true;
    const fleet = await step(fleetUp({ stateDir: fleetDir, size: FLEET_SIZE, version: FIRST_VERSION, internal: INTERNAL_TARGETS, readyTimeoutMs: 90_000 }));
    stack.fleet = fleet;
    const ports = [fleet.supervisorUrl, ...fleet.fleet.targets.map((t) => (t.adapter === 'local' ? t.url : ''))].filter(Boolean).map((u) => Number(new URL(u).port));
    stack.record.fleet = { supervisorPid: fleet.supervisorPid, stateDir: fleetDir, fleetFile: fleet.fleetFile, ports };
    saveRecord(stack);
    for (const t of fleet.fleet.targets) say(`  ${t.id}  ${t.adapter === 'local' ? t.url : ''}  ring=${t.labels.ring ?? ''}`);
    say(`  fleet file ${show(fleet.fleetFile)}, supervisor pid ${fleet.supervisorPid}, log ${show(join(fleetDir, 'supervisor.log'))}`);

    heading(`artifacts: ${GOOD_VERSION} (good) and ${BAD_VERSION} (fails ${BAD_ERROR_RATE * 100}% of requests)`);
    const artifacts = join(dir, 'artifacts');
    const good = await step(buildArtifact({ version: GOOD_VERSION, outDir: artifacts, notes: 'A good release: faster report page.' }));
    const bad = await step(buildArtifact({ version: BAD_VERSION, outDir: artifacts, notes: 'A bad release: a regression fails some requests.', fault: { errorRate: BAD_ERROR_RATE } }));
    for (const a of [good, bad]) say(`  ${show(a.path)}  sha256 ${a.sha256.slice(0, 16)}...`);

    heading(`playbook ${show(PLAYBOOK)}`);
    say(`  $ bin/rampart playbook validate ${show(PLAYBOOK)}`);
    const validation = await step(runRampart(['playbook', 'validate', show(PLAYBOOK)], { env, cwd: REPO_ROOT, prefix: CLI_PREFIX, timeoutMs: 60_000 }));
    if (validation.code !== 0) throw new DemoFailure(`${show(PLAYBOOK)} did not validate (exit ${validation.signal ?? validation.code}): ${validation.stderr.trim()}`);

    const worker = await step(workerReady);
    say(`  worker ready (pid ${worker.pid}) after ${elapsed(Date.now() - startedAt)}`);

    heading(`roll out ${GOOD_VERSION}: dogfood -> canary -> waves, health-gated`);
    const first = await step(rollOut(stack, env, good, GOOD_VERSION, 'quick-start demo: a good release', 180_000));
    if (first.run.timedOut || first.run.code !== 0 || first.status?.state !== 'completed') {
      throw new DemoFailure(
        `the rollout of ${GOOD_VERSION} should have completed (exit 0), but rampart ${first.run.timedOut ? 'timed out' : `exited with ${first.run.signal ?? first.run.code}`}` +
          `${first.status ? ` and the rollout is ${first.status.state}${first.status.outcome ? ` (${first.status.outcome.reason})` : ''}` : ''}; its output is in ${show(first.logFile)}`,
      );
    }
    const afterGood = await step(readFleetVersions(fleetDir));
    expectFleetOn(afterGood, GOOD_VERSION, `after the rollout of ${GOOD_VERSION}`);
    say(`  /health: all ${FLEET_SIZE} targets report ${GOOD_VERSION}; ${show(fleet.fleetFile)} now names ${GOOD_VERSION} as the last known good version`);

    heading(`roll out ${BAD_VERSION}: the breaker should trip and roll back`);
    const second = await step(rollOut(stack, env, bad, BAD_VERSION, 'quick-start demo: a bad release', 150_000));
    if (second.run.timedOut || second.run.code !== 6 || second.status?.state !== 'rolled_back' || !second.status.breaker) {
      throw new DemoFailure(
        `the rollout of ${BAD_VERSION} should have been rolled back by the breaker (exit 6), but rampart ${second.run.timedOut ? 'timed out' : `exited with ${second.run.signal ?? second.run.code}`}` +
          `${second.status ? ` and the rollout is ${second.status.state}${second.status.outcome ? ` (${second.status.outcome.reason})` : ''}` : ''}; its output is in ${show(second.logFile)}`,
      );
    }
    const afterBad = await step(readFleetVersions(fleetDir));
    expectFleetOn(afterBad, GOOD_VERSION, `after the rollback of ${BAD_VERSION}`);
    const journals = await step(readInstallJournals({ stateDir: fleetDir }));
    const touched = journals.filter((j) => j.records.some((r) => r.to === BAD_VERSION)).map((j) => j.targetId);

    const g = first.status;
    const b = second.status;
    const breaker = b.breaker!;
    const uiUrl = server.uiUrl ? `${server.uiUrl}/namespaces/${NAMESPACE}/workflows` : undefined;
    summary = [
      `  ${GOOD_VERSION}  rollout ${g.rolloutId} COMPLETED in ${rolloutTook(g)}: ${g.steps.map((s) => `${s.name} (${s.targets.length})`).join(' -> ')}, every health gate passed;`,
      `         ${g.outcome?.reason ?? `version ${GOOD_VERSION} everywhere`}.`,
      `  ${BAD_VERSION}  rollout ${b.rolloutId} ROLLED BACK after ${rolloutTook(b)}: the breaker tripped in ${breaker.step} (${breaker.step === 'dogfood' ? 'the internal ring' : 'the canary'}):`,
      ...breaker.reasons.map((r) => `           - ${r}`),
      `         ${touched.length > 0 ? `${touched.join(', ')} got ${BAD_VERSION} and went back to ${GOOD_VERSION}` : `no target was changed`}; the other ${FLEET_SIZE - touched.length} never saw ${BAD_VERSION}.`,
      `  fleet  all ${FLEET_SIZE} targets answer /health with version ${GOOD_VERSION} (checked after the rollback).`,
      `  Temporal Web UI: ${uiUrl ?? '(off)'}`,
      `         each rollout is a workflow, each step a child workflow, with every activity in its history`,
    ];
    outcome = 'ok';
  } catch (err) {
    failure = err instanceof DemoFailure ? err.message : `unexpected failure: ${(err as Error).stack ?? String(err)}`;
  } finally {
    clearTimeout(deadline);
  }

  const logs = [
    stack.server ? `Temporal    ${show(stack.server.logFile)}` : undefined,
    existsIn(dir, 'worker.log') ? `worker      ${show(join(dir, 'worker.log'))}` : undefined,
    stack.fleetStarted ? `fleet       ${show(join(fleetDir, 'supervisor.log'))}` : undefined,
    ...[GOOD_VERSION, BAD_VERSION].filter((v) => existsIn(dir, `rollout-${v}.log`)).map((v) => `rollout     ${show(join(dir, `rollout-${v}.log`))}`),
  ].filter((l): l is string => l !== undefined);

  const keepRunning = stack.keep && !interrupted;
  let stopProblems: string[] = [];
  if (!keepRunning) {
    say(`\nstopping the demo stack`);
    stopProblems = await stopStack(stack);
  }

  say('\n' + '='.repeat(100));
  if (outcome === 'ok') {
    say(`Rampart demo finished in ${elapsed(Date.now() - startedAt)}: what happened`);
    for (const line of summary) say(line);
  } else if (interrupted) {
    say(`Rampart demo interrupted by ${interrupted} after ${elapsed(Date.now() - startedAt)}`);
    if (logs.length > 0) say(`  logs:\n${logs.map((l) => `    ${l}`).join('\n')}`);
  } else {
    say(`Rampart demo FAILED after ${elapsed(Date.now() - startedAt)}: ${failure}`);
    if (logs.length > 0) say(`  logs:\n${logs.map((l) => `    ${l}`).join('\n')}`);
  }
  if (keepRunning) {
    const s = stack.server;
    say('');
    say('  --keep: the stack is still running');
    if (s) say(`    Temporal dev server  ${s.address} (pid ${s.pid})${s.uiUrl ? `, Web UI ${s.uiUrl}` : ''}`);
    if (stack.workerPid !== undefined) say(`    worker               pid ${stack.workerPid}, task queue ${TASK_QUEUE}, log ${show(join(dir, 'worker.log'))}`);
    if (stack.fleet) say(`    fleet                ${FLEET_SIZE} targets, supervisor pid ${stack.fleet.supervisorPid}`);
    if (s) {
      say('  look around:');
      say(`    export TEMPORAL_ADDRESS=${s.address} RAMPART_TASK_QUEUE=${TASK_QUEUE}`);
      say(`    bin/rampart fleet status --dir ${show(fleetDir)}`);
      for (const id of rolloutIdsStarted.length > 0 ? rolloutIdsStarted : ['<id>']) say(`    bin/rampart rollout status ${id}`);
    }
    say('  stop it with:');
    if (stack.workerPid !== undefined) say(`    kill ${stack.workerPid}`);
    say(`    bin/rampart fleet down --dir ${show(fleetDir)}`);
    say(`    bin/rampart server stop --dir ${show(dir)}`);
    say('  (or run the demo again: it stops what an earlier run left behind)');
  } else if (stopProblems.length > 0) {
    say(`  could not stop everything: ${stopProblems.join('; ')}`);
  } else if (outcome !== 'ok') {
    say('  everything the demo started has been stopped.');
  } else {
    say(`  everything the demo started has been stopped; run \`npm run demo -- --keep\` to leave the stack up and explore it in the Web UI.`);
  }
  if (interrupted) return 128 + (interrupted === 'SIGINT' ? 2 : interrupted === 'SIGHUP' ? 1 : 15);
  return outcome === 'ok' && stopProblems.length === 0 ? 0 : 1;
}

function existsIn(dir: string, name: string): boolean {
  try {
    return readdirSync(dir).includes(name);
  } catch {
    return false;
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`demo: unexpected failure: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
