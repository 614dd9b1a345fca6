import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { join } from 'node:path';
import { fleetUp, type FleetUpResult } from '../fleet/localFleet';
import { findFreePort, startDevServer, type DevServer } from '../temporal/devServer';
import { REPO_ROOT } from '../temporal/temporalBinaries';
import { startWorkerProcess, type WorkerProcess } from '../stack/workerProcess';
import type { Interrupts } from './demoInterrupts';
import { heading, say, show } from './demoOutput';
import {
  FIRST_VERSION,
  FLEET_SIZE,
  INTERNAL_TARGETS,
  MAIL_FROM,
  MAIL_STORE,
  STANDARD_PORT,
  STANDARD_UI_PORT,
  TASK_QUEUE,
  WORKER_STATE,
  demoEnv,
} from './demoSettings';
import { saveRecord, track, type Stack } from './demoStack';
import { SLACK_STANDIN_SCRIPT, SMTP_STANDIN_SCRIPT, startStandin, type RunningStandin } from '../stack/standinProcesses';

/**
 * The demo's first four steps: the Temporal dev server, the Slack and SMTP stand-ins, the worker
 * and the fleet. Each part is recorded in the stack as soon as its process exists, so that an
 * interrupt at any moment stops what is already there.
 */

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

/** Step 1: the dev server; returns it and the environment every child of the demo gets. */
export async function startTemporalStep(stack: Stack, { step }: Interrupts): Promise<{ server: DevServer; env: NodeJS.ProcessEnv }> {
  heading('Temporal dev server (SQLite, Web UI)');
  stack.serverStarted = true;
  const server = await step(
    startTemporal(stack).then((started) => {
      stack.server = started;
      stack.record.temporal = { pid: started.pid, address: started.address, ...(started.uiUrl ? { uiUrl: started.uiUrl } : {}), dataDir: stack.dir };
      saveRecord(stack);
      return started;
    }),
  );
  say(`  Temporal at ${server.address} (pid ${server.pid}), Web UI ${server.uiUrl ?? 'off'}, log ${show(server.logFile)}`);
  return { server, env: demoEnv(server.address) };
}

/** Step 2: the Slack and SMTP stand-ins; returns the worker's environment, which alone points at them. */
export async function startStandinsStep(stack: Stack, env: NodeJS.ProcessEnv, { step, signal }: Interrupts): Promise<NodeJS.ProcessEnv> {
  const dir = stack.dir;
  heading('Slack Web API and SMTP stand-ins (Slack itself is out of reach here)');
  // A bot token of this run only: the stand-in accepts it, the worker sends it; neither on a command line.
  const slackToken = `xoxb-demo-${randomBytes(12).toString('hex')}`;
  const mailStore = join(dir, MAIL_STORE);
  const standin = (name: 'slack' | 'smtp', script: string, args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<RunningStandin> => {
    const logFile = join(dir, `${name}.log`);
    return startStandin({
      script,
      args,
      env: { ...env, ...extraEnv },
      cwd: REPO_ROOT,
      logFile,
      outlive: stack.keep,
      readyTimeoutMs: 30_000,
      signal,
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
  return {
    ...env,
    SLACK_BOT_TOKEN: slackToken,
    SLACK_API_URL: slack.url,
    SMTP_URL: smtp.url,
    MAIL_FROM,
    RAMPART_STATE_DIR: join(dir, WORKER_STATE),
  };
}

/** Step 3: the worker, started but not awaited (it bundles the workflow code while the fleet starts). */
export function startWorkerStep(stack: Stack, workerEnv: NodeJS.ProcessEnv, { signal }: Interrupts): Promise<WorkerProcess> {
  heading(`Rampart worker on task queue "${TASK_QUEUE}"`);
  const workerLog = join(stack.dir, 'worker.log');
  const workerReady = track(
    stack,
    startWorkerProcess({
      // The demo builds its artifacts in its own folder (which --dir may put anywhere): that is the worker's store.
      env: { ...workerEnv, RAMPART_ARTIFACT_STORE: workerEnv.RAMPART_ARTIFACT_STORE ?? stack.dir },
      cwd: REPO_ROOT,
      logFile: workerLog,
      readyTimeoutMs: 150_000,
      signal,
      onSpawn: (pid) => {
        stack.workerPid = pid;
        stack.record.worker = { pid, taskQueue: TASK_QUEUE, logFile: workerLog };
        saveRecord(stack);
      },
    }).then((worker) => (stack.worker = worker)),
  );
  workerReady.catch(() => undefined); // awaited later; failing early must not be an unhandled rejection
  say(`  starting (it bundles the workflow code first); Slack and mail go to the stand-ins; log ${show(workerLog)}`);
  return workerReady;
}

/** Step 4: the local fleet of target processes. */
export async function startFleetStep(stack: Stack, { step }: Interrupts): Promise<FleetUpResult> {
  const fleetDir = stack.fleetDir;
  heading(`local fleet: ${FLEET_SIZE} target processes on ${FIRST_VERSION}, ${INTERNAL_TARGETS} of them the internal ring`);
  stack.fleetStarted = true;
  const fleet = await step(fleetUp({ stateDir: fleetDir, size: FLEET_SIZE, version: FIRST_VERSION, internal: INTERNAL_TARGETS, readyTimeoutMs: 90_000, keepRunning: stack.keep }));
  stack.fleet = fleet;
  const ports = [fleet.supervisorUrl, ...fleet.fleet.targets.map((t) => (t.adapter === 'local' ? t.url : ''))].filter(Boolean).map((u) => Number(new URL(u).port));
  stack.record.fleet = { supervisorPid: fleet.supervisorPid, stateDir: fleetDir, fleetFile: fleet.fleetFile, ports };
  saveRecord(stack);
  for (const t of fleet.fleet.targets) say(`  ${t.id}  ${t.adapter === 'local' ? t.url : ''}  ring=${t.labels.ring ?? ''}`);
  say(`  fleet file ${show(fleet.fleetFile)}, supervisor pid ${fleet.supervisorPid}, log ${show(join(fleetDir, 'supervisor.log'))}`);
  return fleet;
}
