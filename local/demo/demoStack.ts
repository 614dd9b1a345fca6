import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { stopDevServer, type DevServer } from '../temporal/devServer';
import { fleetDown, isAlive, type FleetUpResult } from '../fleet/localFleet';
import { isWorkerProcess, killWorkerProcessNow, stopWorkerProcess, type WorkerProcess } from '../stack/workerProcess';
import { say, show } from './demoOutput';
import { DemoFailure, MAIL_STORE, WORKER_STATE } from './demoSettings';
import { killRunningRampart } from './runRampart';
import { readStackRecord, writeStackRecord, type DemoStackRecord } from './stackRecord';
import { isStandinProcess, killStandinNow, SLACK_STANDIN_SCRIPT, SMTP_STANDIN_SCRIPT, stopStandin, type RunningStandin } from '../stack/standinProcesses';

/** What the demo started, and stopping it: at the end, on an interrupt, and what an earlier run left. */
export interface Stack {
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
  worker?: WorkerProcess;
  /** Set as soon as fleetUp is called: a half-started fleet is stopped too. */
  fleetStarted: boolean;
  fleet?: FleetUpResult;
  /** Start-up work still in flight: stopping waits (bounded) for it, so nothing starts after the stop. */
  pending: Set<Promise<unknown>>;
  stopped: boolean;
}

/** Nothing started yet, in `dir`. */
export function newStack(dir: string, keep: boolean): Stack {
  return {
    dir,
    fleetDir: join(dir, 'fleet'),
    keep,
    record: { demoPid: process.pid, dir, keep },
    serverStarted: false,
    fleetStarted: false,
    pending: new Set(),
    stopped: false,
  };
}

export function saveRecord(stack: Stack): void {
  try {
    writeStackRecord(stack.record);
  } catch (err) {
    process.stderr.write(`demo: cannot write ${join(stack.dir, 'stack.json')}: ${(err as Error).message}\n`);
  }
}

export function track<T>(stack: Stack, work: Promise<T>): Promise<T> {
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
export async function stopStack(stack: Stack): Promise<string[]> {
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
    const how = await stopWorkerProcess(stack.workerPid);
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
export function killStackNow(stack: Stack): void {
  if (stack.stopped) return;
  if (stack.workerPid !== undefined) killWorkerProcessNow(stack.workerPid);
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
export async function stopLeftovers(dir: string, fleetDir: string): Promise<void> {
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
    await stopWorkerProcess(earlier.worker.pid);
    stopped.push(`worker (pid ${earlier.worker.pid})`);
  }
  if ((await fleetDown({ stateDir: fleetDir })).wasRunning) stopped.push('fleet');
  if (await stopDevServer(dir)) stopped.push('Temporal dev server');
  if (stopped.length > 0) say(`  stopped what an earlier demo left running here: ${stopped.join(', ')}`);
}

/** A fresh start: the files of earlier runs (and only those) are removed. */
export function removeEarlierRun(dir: string, fleetDir: string): void {
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

export function existsIn(dir: string, name: string): boolean {
  try {
    return readdirSync(dir).includes(name);
  } catch {
    return false;
  }
}
