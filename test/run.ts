/**
 * The test run: `npm test` or `npx tsx test/run.ts [node --test flags] [files...]`; write flags
 * with `=` (`--test-name-pattern=restart`), since other words are taken as files.
 *
 * Node 20's test runner has no global setup, so this does it: it starts ONE Temporal dev server
 * for the whole run (free loopback port, fresh SQLite file in a temp folder), hands its address to
 * the tests as RAMPART_TEST_TEMPORAL_ADDRESS (and the binaries as TEMPORAL_CLI /
 * TEMPORAL_TEST_SERVER), runs `node --import tsx --test --test-concurrency=1` on the files
 * (default: every test/**\/*.test.ts) in up to two lanes at once (see SIDE_LANE), and stops the
 * server whatever happens.
 *
 * RAMPART_TEST_RUN_TIMEOUT_MS bounds the whole run (default 60 min); --test-timeout (default
 * 12 min) bounds each test and each file (node runs a file as one test): the 21-day bake in
 * longBake.test.ts is about 30,000 analysis windows and takes minutes on 2 cores.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { findFreePort, startDevServer, stopDevServer, type DevServer } from '../local/temporal/devServer';
import { REPO_ROOT, resolveTemporalCli, resolveTestServer } from '../local/temporal/temporalBinaries';
import { signalGroup } from '../local/process/pids';
import { spawnProcess, type ManagedProcess } from '../local/process/processes';

const TEST_DIR = path.join(REPO_ROOT, 'test');
/** Read by test/helpers/temporal.ts (not imported here: it loads the Temporal runtime). */
const DEV_SERVER_ADDRESS_ENV = 'RAMPART_TEST_TEMPORAL_ADDRESS';

function findTestFiles(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...findTestFiles(full));
    else if (entry.isFile() && entry.name.endsWith('.test.ts')) found.push(full);
  }
  return found.sort();
}

/**
 * Files that mostly keep a CPU busy on the time-skipping server (minutes of simulated weeks or
 * thousands of customers) run in a second lane beside the rest, which mostly wait on real
 * servers: the run takes about as long as its longer lane instead of the sum.
 * RAMPART_TEST_LANES=1 runs everything in one lane.
 */
// The demos and the drill start stacks of their own (dev server, stand-ins, worker, fleet); the
// bad-input corpus spends its time in CLI processes. They balance the two lanes.
const SIDE_LANE = ['longBake.test.ts', 'manyCustomers.test.ts', 'demo.test.ts', 'drill.e2e.test.ts', 'badInputCorpus.test.ts'];

function splitLanes(files: string[]): string[][] {
  if (process.env.RAMPART_TEST_LANES === '1') return [files];
  const side = files.filter((file) => SIDE_LANE.includes(path.basename(file)));
  const main = files.filter((file) => !side.includes(file));
  return [main, side].filter((lane) => lane.length > 0);
}

function log(message: string): void {
  process.stderr.write(`test/run: ${message}\n`);
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const flags = args.filter((arg) => arg.startsWith('--'));
  const named = args.filter((arg) => !arg.startsWith('--'));
  const files = named.length > 0 ? named.map((file) => path.resolve(file)) : findTestFiles(TEST_DIR);
  if (files.length === 0) {
    log(`no *.test.ts files under ${path.relative(process.cwd(), TEST_DIR) || '.'}`);
    return 1;
  }
  if (!flags.some((flag) => flag.startsWith('--test-timeout'))) flags.push('--test-timeout=720000');

  let cli: string;
  let testServer: string;
  try {
    cli = resolveTemporalCli();
    testServer = resolveTestServer();
  } catch (error) {
    log((error as Error).message);
    return 1;
  }

  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'rampart-test-temporal-'));
  let server: DevServer | undefined;
  let exitCode = 1;
  let interrupted: NodeJS.Signals | undefined;
  const children: ManagedProcess[] = [];

  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = signal;
    log(`${signal}: stopping the tests and the Temporal dev server`);
    for (const child of children) if (child.pid !== undefined) signalGroup(child.pid, signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    const started = Date.now();
    const port = await findFreePort();
    server = await startDevServer({ dataDir, port, ui: false, cli, startTimeoutMs: 30_000 });
    log(`Temporal dev server at ${server.address} (pid ${server.pid}) up in ${Date.now() - started} ms; data ${dataDir}`);
    if (interrupted) throw new Error('interrupted before the tests started');

    const runTimeoutMs = Number(process.env.RAMPART_TEST_RUN_TIMEOUT_MS ?? 60 * 60_000);
    const env = {
      ...process.env,
      [DEV_SERVER_ADDRESS_ENV]: server.address, TEMPORAL_CLI: cli, TEMPORAL_TEST_SERVER: testServer,
      // Tests build their artifacts in temp folders, the demo under the repo: the workers' store is both.
      RAMPART_ARTIFACT_STORE: process.env.RAMPART_ARTIFACT_STORE ?? `${os.tmpdir()}${path.delimiter}${REPO_ROOT}`,
    };
    const lanes = splitLanes(files).map((laneFiles, index) => ({
      name: index === 0 ? 'main' : 'side',
      files: laneFiles,
      // Reports and the notification ledger of in-process workers go to the lane's own folder.
      env: { ...env, RAMPART_STATE_DIR: path.join(dataDir, index === 0 ? 'state' : 'state-side') },
      logFile: index === 0 ? undefined : path.join(dataDir, 'side-lane.log'),
    }));
    const side = lanes[1];
    if (side) log(`side lane: ${side.files.map((f) => path.relative(REPO_ROOT, f)).join(', ')} (its output follows when it ends; ${side.logFile})`);
    const codes = await Promise.all(lanes.map(async (lane) => {
      const nodeArgs = ['--import', 'tsx', '--test', '--test-concurrency=1', ...flags, ...lane.files];
      // Its own process group (the process helper's way): a signal reaches every test process, and
      // whatever a test leaves running in that group is swept up at the end.
      const runner = spawnProcess(process.execPath, nodeArgs, {
        name: `node --test (${lane.name} lane)`,
        cwd: REPO_ROOT,
        output: lane.logFile ? 'log' : 'inherit',
        logFile: lane.logFile,
        env: lane.env,
      });
      children.push(runner);
      const watchdog = setTimeout(() => {
        log(`the ${lane.name} lane took longer than ${runTimeoutMs} ms (RAMPART_TEST_RUN_TIMEOUT_MS); stopping it`);
        if (runner.pid !== undefined) signalGroup(runner.pid, 'SIGTERM');
        setTimeout(() => runner.pid !== undefined && signalGroup(runner.pid, 'SIGKILL'), 10_000).unref();
      }, runTimeoutMs);
      watchdog.unref();
      const status = await runner.exited;
      clearTimeout(watchdog);
      if (status.code === null && status.signal === null) log(`cannot run node --test: ${runner.describeExit()}`);
      if (lane.logFile) process.stdout.write(`\n===== side lane (${lane.files.length} files) =====\n${readFileSync(lane.logFile, 'utf8')}===== end of side lane =====\n`);
      const left = runner.pid !== undefined ? await sweepGroup(runner.pid) : undefined;
      if (left && !interrupted) {
        log(`tests left processes running; they were killed (stop them in an \`after\` hook):\n${left}`);
      }
      return status.code ?? (status.signal === 'SIGINT' ? 130 : 1);
    }));
    exitCode = codes.find((code) => code !== 0) ?? 0;
  } catch (error) {
    log((error as Error).message);
    exitCode = 1;
  } finally {
    try {
      if (await stopDevServer(dataDir, { timeoutMs: 10_000 })) log('Temporal dev server stopped');
    } catch (error) {
      log(`could not stop the Temporal dev server: ${(error as Error).message}`);
      exitCode ||= 1;
    }
    if (exitCode === 0) rmSync(dataDir, { recursive: true, force: true });
    else log(`kept the dev server's data and log for inspection: ${dataDir}`);
  }
  if (interrupted) exitCode = interrupted === 'SIGINT' ? 130 : 143;
  return exitCode;
}

/**
 * Ends whatever is left in the runner's process group once the runner has exited: SIGTERM, up to
 * 5 s, SIGKILL. Resolves to a description of what was left (ps output), or undefined if nothing.
 */
async function sweepGroup(pgid: number): Promise<string | undefined> {
  // Helpers such as esbuild's service exit a moment after their parent: give them 2 s.
  const graceEnd = Date.now() + 2_000;
  while (signalGroup(pgid, 0) && Date.now() < graceEnd) await delay(50);
  if (!signalGroup(pgid, 0)) return undefined;
  const ps = spawnSync('ps', ['-o', 'pid=,args=', '-g', String(pgid)], { encoding: 'utf8' });
  const left = (ps.stdout ?? '').trim() || '(ps unavailable)';
  signalGroup(pgid, 'SIGTERM');
  const deadline = Date.now() + 5_000;
  while (Date.now() < deadline && signalGroup(pgid, 0)) await delay(100);
  signalGroup(pgid, 'SIGKILL');
  return left;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    log(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(1);
  },
);
