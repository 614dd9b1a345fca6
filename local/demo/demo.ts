/**
 * The quick-start demo, `npm run demo [-- --keep] [-- --dir <dir>]`: everything a real rollout uses,
 * on this machine, in about two minutes.
 *
 *   1. the embedded Temporal dev server (SQLite, Web UI) with its data in .rampart/demo
 *   2. the local Slack Web API and SMTP stand-ins (local/standins/), as processes of their own
 *   3. a Rampart worker process on the demo task queue, posting to and mailing through them
 *   4. a real local fleet of 10 target processes on 1.0.0 (2 of them the internal dogfood ring)
 *   5. two artifacts: 1.1.0 (good) and 1.2.0 (fails 30% of requests)
 *   6. playbooks/demo.yaml and its escalation policy, checked with `rampart playbook validate`
 *      and `rampart escalation validate`
 *   7. `rampart rollout start --wait` of 1.1.0 with playbooks/customers/demo.yaml: dogfood, canary
 *      (the Early Access customer) and two waves (the Stable ones), every gate passes; each customer
 *      is told before and after, and the demo reads their mails back from the SMTP stand-in
 *   8. `rampart rollout start --wait` of 1.2.0: the breaker trips on the internal ring, the
 *      changed targets are rolled back to 1.1.0, and incident inc-<rollout id> is opened
 *   9. the incident: nobody on-call acknowledges within 5 s, so it escalates to the senior
 *      engineer, who acknowledges and resolves it (`rampart incident status|ack|resolve|report`);
 *      then its Slack thread and its mail thread, read back from the stand-ins
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
import { setTimeout as delay } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import type { RolloutStatus } from '../../domain/rolloutStatus';
import { buildArtifact, type BuiltArtifact } from '../fleet/artifactBuild';
import { findFreePort, startDevServer, stopDevServer, type DevServer } from '../temporal/devServer';
import { fleetDown, fleetStatus, fleetUp, isAlive, readInstallJournals, type FleetUpResult } from '../fleet/localFleet';
import { REPO_ROOT } from '../temporal/temporalBinaries';
import { isWorkerProcess, killDemoWorkerNow, startDemoWorker, stopDemoWorker, type DemoWorker } from './demoWorker';
import { mailThreadRoot, readMailThread, readSlackThread, renderThreads } from './incidentTranscript';
import { killRunningRampart, runRampart, type RampartRun } from './runRampart';
import { readStackRecord, writeStackRecord, type DemoStackRecord } from './stackRecord';
import { isStandinProcess, killStandinNow, SLACK_STANDIN_SCRIPT, SMTP_STANDIN_SCRIPT, startStandin, stopStandin, type RunningStandin } from './standins';
import { formatDuration } from '../../domain/duration';
import { escalationPoliciesSchema, policyFor } from '../../domain/incident';
import type { IncidentStatus } from '../../domain/incidentStatus';
import { loadDocument } from '../../client/loadDocument';
import { customerTranscript } from './customerTranscript';

const TASK_QUEUE = 'rampart-demo';
const NAMESPACE = 'default';
const FLEET_SIZE = 10;
const INTERNAL_TARGETS = 2;
const FIRST_VERSION = '1.0.0';
const GOOD_VERSION = '1.1.0';
const BAD_VERSION = '1.2.0';
const BAD_ERROR_RATE = 0.3;
const PLAYBOOK = join(REPO_ROOT, 'playbooks', 'demo.yaml');
/** Three customers on the fleet: Early Access in the canary, Stable in the waves. */
const CUSTOMERS = join(REPO_ROOT, 'playbooks', 'customers', 'demo.yaml');
/** The escalation policy playbooks/demo.yaml names (incidents.policyFile). */
const ESCALATION = join(REPO_ROOT, 'playbooks', 'escalation', 'demo.yaml');
/** The senior engineer of that policy's second tier, who acknowledges and resolves the incident. */
const SENIOR = 'sam';
const MAIL_FROM = 'rampart-demo@example.com';
/** How many lines of the root cause analysis the demo prints. */
const REPORT_LINES = 25;
const STEPS = 9;
const STANDARD_PORT = 7233;
const STANDARD_UI_PORT = 8233;
const CLI_PREFIX = '  rampart | ';

const USAGE = `usage: npm run demo [-- --keep] [-- --dir <dir>]

  --keep       leave the Temporal dev server, the Slack and SMTP stand-ins, the worker and the
               fleet running afterwards
  --dir <dir>  where the demo keeps its state and logs (default .rampart/demo)
  --help       print this`;

class DemoFailure extends Error {}

// ---------------------------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------------------------

const startedAt = Date.now();
const say = (line = '') => process.stdout.write(`${line}\n`);
let stepNo = 0;
const heading = (title: string) => say(`\n[${++stepNo}/${STEPS}] ${title}`);

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
  /** Set as soon as each stand-in process exists, and the stand-in once it listens. */
  slackPid?: number;
  slack?: RunningStandin;
  smtpPid?: number;
  smtp?: RunningStandin;
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
  // The stand-ins before the worker: its pooled SMTP connection to the stand-in would otherwise
  // keep the worker process alive after it stopped polling, until the 15 s SIGKILL.
  for (const [what, pid] of [['Slack stand-in', stack.slackPid], ['SMTP stand-in', stack.smtpPid]] as const) {
    await attempt(what, async () => {
      if (pid === undefined) return undefined;
      const how = await stopStandin(pid);
      return how === 'not running' ? undefined : `${what} (pid ${pid}) ${how}`;
    });
  }
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
  for (const pid of [stack.slackPid, stack.smtpPid]) if (pid !== undefined) killStandinNow(pid);
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
  // The stand-ins first, as in stopStack: then no open SMTP connection holds the worker up.
  for (const [what, standin, script] of [['Slack stand-in', earlier?.slack, SLACK_STANDIN_SCRIPT], ['SMTP stand-in', earlier?.smtp, SMTP_STANDIN_SCRIPT]] as const) {
    if (standin && isStandinProcess(standin.pid, script)) {
      await stopStandin(standin.pid);
      stopped.push(`${what} (pid ${standin.pid})`);
    }
  }
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
    if (/^temporal\.(sqlite.*|log|json|pid)$/.test(name) || /^(worker|rollout-.*|incident|slack|smtp)\.log$/.test(name) || name === 'stack.json' || name === MAIL_STORE) {
      rmSync(join(dir, name), { force: true });
    }
  }
  // The worker's notification ledger and reports: a fresh run sends afresh.
  rmSync(join(dir, WORKER_STATE), { recursive: true, force: true });
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

/** Where the SMTP stand-in keeps every mail it received, one JSON line each (in the demo folder). */
const MAIL_STORE = 'mails.jsonl';
/** The worker's RAMPART_STATE_DIR (notification ledger, incident reports), in the demo folder. */
const WORKER_STATE = 'worker-state';

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
    '--customers', show(CUSTOMERS),
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

/** Seconds from one ISO time to another, as "5.1s". */
function secondsBetween(from: string, to: string | undefined): string {
  return to ? `${((Date.parse(to) - Date.parse(from)) / 1000).toFixed(1)}s` : '?';
}

const quoted = (args: string[]) => args.map((a) => (/[\s;()<>|&"']/.test(a) ? `"${a.replace(/"/g, '\\"')}"` : a)).join(' ');

/** `rampart incident status ID --json`, quietly; undefined while there is no such incident. */
async function readIncident(env: NodeJS.ProcessEnv, id: string): Promise<IncidentStatus | undefined> {
  const run = await runRampart(['incident', 'status', id, '--json'], { env, cwd: REPO_ROOT, timeoutMs: 30_000 });
  if (run.code !== 0) return undefined;
  try {
    return JSON.parse(run.stdout) as IncidentStatus;
  } catch {
    return undefined;
  }
}

/** Polls the incident (as a user would, with the CLI) until `done`; bounded, and stops when the demo is aborted. */
async function waitForIncident(env: NodeJS.ProcessEnv, id: string, what: string, done: (s: IncidentStatus) => boolean, timeoutMs: number, signal: AbortSignal): Promise<IncidentStatus> {
  const deadline = Date.now() + timeoutMs;
  let last: IncidentStatus | undefined;
  for (;;) {
    last = (await readIncident(env, id)) ?? last;
    if (last && done(last)) return last;
    if (signal.aborted) throw signal.reason;
    if (Date.now() > deadline) {
      const where = last ? `it is ${last.state}, last paged ${last.tier?.name ?? 'nobody'}` : 'there is no such incident';
      throw new DemoFailure(`incident ${id}: ${what} did not happen within ${timeoutMs / 1000} s (${where})`);
    }
    await delay(500);
  }
}

interface IncidentRun {
  status: IncidentStatus;
  /** The first tier paged, its roster and deadline: "on-call (olga)", "5s". */
  onCall: string;
  onCallDeadline: string;
  escalatedTo: string;
  escalatedAt?: string;
  reportPath?: string;
  channelName?: string;
  headerUpdates: number;
  replies: number;
  mails: number;
  mailRoot?: string;
}

/**
 * Step 9: the incident the breaker opened. Nobody on-call acknowledges, so it escalates once; the
 * senior engineer acknowledges and resolves it; then the root cause analysis, and what Slack and
 * mail carried, read back from the stand-ins.
 */
async function followIncident(options: {
  stack: Stack;
  env: NodeJS.ProcessEnv;
  rollout: RolloutStatus;
  rootCause: string;
  step: <T>(work: Promise<T>) => Promise<T>;
  signal: AbortSignal;
}): Promise<IncidentRun> {
  const { stack, env, step, signal } = options;
  const opening = options.rollout.timeline.find((e) => e.event === 'incident opened' || e.event === 'incident not opened');
  if (opening?.event !== 'incident opened' || !opening.detail) {
    throw new DemoFailure(`the breaker of ${options.rollout.rolloutId} opened no incident${opening?.detail ? `: ${opening.detail}` : ''}`);
  }
  const id = opening.detail;
  const logFile = join(stack.dir, 'incident.log');
  const cli = async (args: string[]): Promise<RampartRun> => {
    say(`\n  $ bin/rampart ${quoted(args)}`);
    const run = await step(runRampart(args, { env, cwd: REPO_ROOT, prefix: CLI_PREFIX, logFile, timeoutMs: 60_000 }));
    if (run.code !== 0) throw new DemoFailure(`\`bin/rampart ${args.slice(0, 2).join(' ')}\` exited with ${run.timedOut ? 'a timeout' : (run.signal ?? run.code)}: ${run.stderr.trim() || '(no message)'}`);
    return run;
  };

  const opened = await step(waitForIncident(env, id, 'the first page', (s) => s.tier !== null, 30_000, signal));
  // Who was paged first, from the policy itself: by now the incident may have escalated already.
  const policy = policyFor((await step(loadDocument(ESCALATION, escalationPoliciesSchema))).value, opened.severity);
  const first = policy?.tiers[policy.startTier];
  if (!first) throw new DemoFailure(`${show(ESCALATION)} has no policy for ${opened.severity}`);
  const onCall = `${first.name} (${first.people.map((p) => p.name).join(', ')})`;
  say(`  the breaker opened ${id} (${opened.severity}, policy "${opened.policy}" of ${show(ESCALATION)})`);
  say(`  paged: ${onCall}, to acknowledge within ${formatDuration(first.ackDeadline)}; nobody does, so the demo waits past that deadline ...`);
  const escalated = await step(waitForIncident(env, id, 'the escalation to the next tier', (s) => (s.tier?.index ?? 0) > 0 || s.state !== 'open', 60_000, signal));
  if (escalated.state !== 'open' || !escalated.tier) throw new DemoFailure(`incident ${id} is ${escalated.state} before anyone acknowledged it`);
  const escalatedAt = escalated.timeline.find((e) => e.event === 'escalated')?.at;
  say(`  escalated to ${escalated.tier.name} (${escalated.tier.roster.join(', ')}) ${secondsBetween(escalated.openedAt, escalatedAt)} after the incident opened`);

  await cli(['incident', 'status', id]);
  await cli(['incident', 'ack', id, '--by', SENIOR, '--reason', 'on it; the rollout already rolled itself back']);
  await cli(['incident', 'resolve', id, '--by', SENIOR, '--reason', `${BAD_VERSION} rolled back, every target healthy on ${GOOD_VERSION}`, '--root-cause', options.rootCause]);
  // The workflow sends its last Slack reply and mail, then writes the report, and ends.
  const final = await step(waitForIncident(env, id, 'the root cause analysis', (s) => s.timeline.some((e) => e.event === 'root cause analysis written'), 60_000, signal));
  const reportPath = final.timeline.find((e) => e.event === 'root cause analysis written')?.detail;

  say(`\n  $ bin/rampart incident report ${id}   (the root cause analysis, Markdown; first ${REPORT_LINES} lines)`);
  const report = await step(runRampart(['incident', 'report', id], { env, cwd: REPO_ROOT, logFile, timeoutMs: 60_000 }));
  if (report.code !== 0) throw new DemoFailure(`\`bin/rampart incident report\` exited with ${report.signal ?? report.code}: ${report.stderr.trim()}`);
  const lines = report.stdout.trimEnd().split('\n');
  for (const line of lines.slice(0, REPORT_LINES)) say(`${CLI_PREFIX}${line}`);
  if (lines.length > REPORT_LINES) say(`${CLI_PREFIX}... ${lines.length - REPORT_LINES} more lines${reportPath ? `; the whole report is also in ${show(reportPath)}` : ''}`);

  say(`\n  what the people paged saw, read back from the stand-ins:`);
  const slack = stack.slack!;
  const smtp = stack.smtp!;
  const slackThread = final.slackThread ? await step(readSlackThread(slack.url, final.slackThread)) : undefined;
  const mails = readMailThread(join(stack.dir, MAIL_STORE), id);
  const where = { slack: `${new URL('../_test/messages', slack.url).href}`, smtp: smtp.url };
  for (const line of renderThreads({ slack: slackThread, mails }, final.openedAt, where)) say(line);

  // The demo promises a thread in each; say exactly what is missing if not.
  const problems: string[] = [];
  const replies = slackThread?.replies.map((r) => r.text) ?? [];
  const expected: [string, RegExp][] = [
    ['the first page', new RegExp(`^Paging ${first.name}:`)],
    ['the escalation', new RegExp(`^Paging ${escalated.tier.name}:`)],
    ['the acknowledgement', new RegExp(`^Acknowledged by ${SENIOR}`)],
    ['the resolution', new RegExp(`^Resolved by ${SENIOR}`)],
  ];
  if (!slackThread) problems.push('no Slack thread');
  else for (const [what, pattern] of expected) if (!replies.some((t) => pattern.test(t))) problems.push(`no Slack reply for ${what}`);
  const mailRoot = mailThreadRoot(mails);
  if (mails.length < 3) problems.push(`${mails.length} mail(s) instead of one each for the pages, the acknowledgement and the resolution`);
  else if (!mailRoot) problems.push('the mails are not one thread');
  if (problems.length > 0) {
    const failed = final.timeline.filter((e) => e.event === 'notification failed').map((e) => e.detail);
    throw new DemoFailure(`incident ${id}: ${problems.join('; ')}${failed.length > 0 ? ` (the incident noted: ${failed.join('; ')})` : ''}; see ${show(join(stack.dir, 'worker.log'))}`);
  }
  return {
    status: final,
    onCall,
    onCallDeadline: formatDuration(first.ackDeadline),
    escalatedTo: `${escalated.tier.name} (${escalated.tier.roster.join(', ')})`,
    ...(escalatedAt ? { escalatedAt } : {}),
    ...(reportPath ? { reportPath } : {}),
    ...(slackThread ? { channelName: slackThread.channelName } : {}),
    headerUpdates: slackThread?.header.updates ?? 0,
    replies: replies.length,
    mails: mails.length,
    ...(mailRoot ? { mailRoot } : {}),
  };
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
  say(`Rampart demo: a good release and a bad one, rolled out to a real local fleet with Temporal, and the incident the bad one opens${flags.keep ? ' (--keep)' : ''}`);
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

    heading('Slack Web API and SMTP stand-ins (Slack itself is out of reach here)');
    // A bot token of this run only: the stand-in accepts it, the worker sends it; neither on a command line.
    const slackToken = `xoxb-demo-${randomBytes(12).toString('hex')}`;
    const mailStore = join(dir, MAIL_STORE);
    const standin = (name: 'slack' | 'smtp', script: string, args: string[], extraEnv: NodeJS.ProcessEnv = {}) => {
      const logFile = join(dir, `${name}.log`);
      return startStandin({
        script,
        args,
        env: { ...env, ...extraEnv },
        cwd: REPO_ROOT,
        logFile,
        outlive: stack.keep,
        readyTimeoutMs: 30_000,
        signal: abort.signal,
        onSpawn: (pid) => {
          if (name === 'slack') {
            stack.slackPid = pid;
            stack.record.slack = { pid, logFile };
          } else {
            stack.smtpPid = pid;
            stack.record.smtp = { pid, logFile, storeFile: mailStore };
          }
          saveRecord(stack);
        },
      }).then((started) => {
        if (name === 'slack') stack.slack = started;
        else stack.smtp = started;
        Object.assign(stack.record[name]!, { port: started.port, url: started.url });
        saveRecord(stack);
        return started;
      });
    };
    const [slack, smtp] = await step(
      Promise.all([
        standin('slack', SLACK_STANDIN_SCRIPT, ['--port', '0'], { SLACK_BOT_TOKEN: slackToken }),
        standin('smtp', SMTP_STANDIN_SCRIPT, ['--port', '0', '--store', mailStore]),
      ]),
    );
    say(`  Slack stand-in ${slack.url} (pid ${slack.pid}): Slack's Web API for this run's bot token; log ${show(slack.logFile)}`);
    say(`  SMTP stand-in  ${smtp.url} (pid ${smtp.pid}): keeps every mail in ${show(mailStore)}; log ${show(smtp.logFile)}`);
    // Only the worker sends: it alone gets the token and the mail server.
    const workerEnv: NodeJS.ProcessEnv = {
      ...env,
      SLACK_BOT_TOKEN: slackToken,
      SLACK_API_URL: slack.url,
      SMTP_URL: smtp.url,
      MAIL_FROM,
      RAMPART_STATE_DIR: join(dir, WORKER_STATE),
    };

    heading(`Rampart worker on task queue "${TASK_QUEUE}"`);
    const workerLog = join(dir, 'worker.log');
    const workerReady = track(
      stack,
      startDemoWorker({
        env: workerEnv,
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
    say(`  starting (it bundles the workflow code first); Slack and mail go to the stand-ins; log ${show(workerLog)}`);

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

    heading(`playbook ${show(PLAYBOOK)} and its escalation policy`);
    say(`  $ bin/rampart playbook validate ${show(PLAYBOOK)}`);
    const validation = await step(runRampart(['playbook', 'validate', show(PLAYBOOK)], { env, cwd: REPO_ROOT, prefix: CLI_PREFIX, timeoutMs: 60_000 }));
    if (validation.code !== 0) throw new DemoFailure(`${show(PLAYBOOK)} did not validate (exit ${validation.signal ?? validation.code}): ${validation.stderr.trim()}`);
    say(`  $ bin/rampart escalation validate ${show(ESCALATION)}   (the playbook's incidents.policyFile)`);
    const policyCheck = await step(runRampart(['escalation', 'validate', show(ESCALATION)], { env, cwd: REPO_ROOT, prefix: CLI_PREFIX, timeoutMs: 60_000 }));
    if (policyCheck.code !== 0) throw new DemoFailure(`${show(ESCALATION)} did not validate (exit ${policyCheck.signal ?? policyCheck.code}): ${policyCheck.stderr.trim()}`);

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
    heading(`what the customers of ${show(CUSTOMERS)} were told about ${GOOD_VERSION} (read back from the SMTP stand-in)`);
    const told = customerTranscript(first.status, join(dir, MAIL_STORE));
    for (const line of told.lines) say(line);
    if (told.duplicates > 0) throw new DemoFailure(`${told.duplicates} customer mail(s) about ${GOOD_VERSION} arrived twice`);

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
    const toldOfBad = customerTranscript(second.status, join(dir, MAIL_STORE));
    say(`  customers told about ${BAD_VERSION}: ${toldOfBad.mails === 0 ? 'nobody (it never reached a customer\'s system)' : `${toldOfBad.mails} mail(s)`}`);
    for (const line of toldOfBad.mails > 0 ? toldOfBad.lines : []) say(line);
    const journals = await step(readInstallJournals({ stateDir: fleetDir }));
    const touched = journals.filter((j) => j.records.some((r) => r.to === BAD_VERSION)).map((j) => j.targetId);

    heading(`the incident the breaker opened: escalation, acknowledgement, resolution, root cause analysis`);
    const incident = await followIncident({
      stack,
      env,
      rollout: second.status,
      rootCause: `${BAD_VERSION} fails ~${BAD_ERROR_RATE * 100}% of requests (a regression); the breaker caught it in ${second.status.breaker.step} and rolled ${touched.join(', ') || 'nothing'} back to ${GOOD_VERSION}`,
      step,
      signal: abort.signal,
    });
    const inc = incident.status;

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
      `  customers ${(g.customers ?? []).map((c) => `${c.id} (${c.step})`).join(', ')}: each updated in its own window, told before and after: ${told.mails} mails, none twice;`,
      `         about ${BAD_VERSION}: ${toldOfBad.mails} mail(s).`,
      `  incident ${inc.incidentId} (${inc.severity}) opened by the breaker: ${incident.onCall} did not acknowledge within ${incident.onCallDeadline},`,
      `         so it escalated to ${incident.escalatedTo} after ${secondsBetween(inc.openedAt, incident.escalatedAt)}; ${inc.acknowledged?.by} acknowledged it after ${secondsBetween(inc.openedAt, inc.acknowledged?.at)} and resolved it after ${secondsBetween(inc.openedAt, inc.resolved?.at)};`,
      `         root cause analysis: ${incident.reportPath ? show(incident.reportPath) : '(not written)'}`,
      `         Slack: one thread in #${incident.channelName} (its header updated in place ${incident.headerUpdates}x, ${incident.replies} replies);`,
      `         mail: ${incident.mails} messages in one thread (each replying to ${incident.mailRoot})`,
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
    existsIn(dir, 'incident.log') ? `incident    ${show(join(dir, 'incident.log'))}` : undefined,
    existsIn(dir, 'slack.log') ? `Slack       ${show(join(dir, 'slack.log'))}` : undefined,
    existsIn(dir, 'smtp.log') ? `SMTP        ${show(join(dir, 'smtp.log'))}` : undefined,
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
    if (stack.slack) say(`    Slack stand-in       ${stack.slack.url} (pid ${stack.slack.pid})`);
    if (stack.smtp) say(`    SMTP stand-in        ${stack.smtp.url} (pid ${stack.smtp.pid}), mails in ${show(join(dir, MAIL_STORE))}`);
    if (s) {
      say('  look around:');
      say(`    export TEMPORAL_ADDRESS=${s.address} RAMPART_TASK_QUEUE=${TASK_QUEUE}`);
      say(`    bin/rampart fleet status --dir ${show(fleetDir)}`);
      for (const id of rolloutIdsStarted.length > 0 ? rolloutIdsStarted : ['<id>']) say(`    bin/rampart rollout status ${id}`);
      if (rolloutIdsStarted.length > 1) say(`    bin/rampart incident report inc-${rolloutIdsStarted.at(-1)}`);
      if (stack.slack) say(`    curl -s ${new URL('../_test/messages', stack.slack.url).href}   (every Slack message the worker posted)`);
    }
    say('  stop it with:');
    const pids = [stack.workerPid, stack.slackPid, stack.smtpPid].filter((pid): pid is number => pid !== undefined);
    if (pids.length > 0) say(`    kill ${pids.join(' ')}`);
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
