import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import { RolloutClient } from '../../client/rolloutClient';
import { stepWorkflowId } from '../../contract/ids';
import { targetFolder } from '../../domain/fleet';
import { FINAL_STATES } from '../../domain/rolloutStatus';
import type { RampartActivities } from '../../activities';
import { readJournal } from '../../activities/adapters/local/installJournal';
import { buildArtifact } from '../../local/fleet/artifactBuild';
import { fleetDown, fleetUp } from '../../local/fleet/localFleet';
import { signalGroup } from '../../local/process/pids';
import { startWorkerProcess, stopWorkerProcess, type WorkerProcess } from '../../local/stack/workerProcess';
import { postgresUnavailable, startPostgres } from '../../test/helpers/postgresServer';
import { parseIdentity } from '../../worker/workerIdentity';
import type { BenchContext } from '../harness/benchContext';
import { directPlaybook } from '../harness/noopRollout';
import { ms, median } from '../harness/stats';

/**
 * workerCrashRecoveryMs: a worker process is SIGKILLed while it installs on a real target; how
 * long until the install's activity attempt starts again on the other worker.
 *
 * Two worker processes (worker/main.ts, as in production) poll one task queue with the Postgres
 * ledger (RAMPART_LEDGER_URL; the file ledger would refuse a second worker). Each trial rolls a
 * slow-booting release (fault.startDelayMs: the target serves nothing for a while after its
 * restart, so the install waits on it) onto one target of a local fleet. Once the target's install
 * journal shows the change begun, the measure waits a different offset per trial (spread over the
 * SDK's 2.4 s heartbeat window, since where the kill falls in it is what varies), asks Temporal
 * which worker runs the attempt (the pending activity's worker identity carries its pid), and
 * SIGKILLs that worker's process group. The time is the server's own record: the pending
 * activity's start time for attempt 2, taken by the other worker, minus the moment of the kill.
 * As a second, independent signal, the fleet supervisor's restart count shows when attempt 2
 * reached the target. After each trial the install journal must hold the change exactly once,
 * and the killed worker is started again for the next trial.
 */
export interface WorkerCrashRecoveryOptions {
  trials: number;
  /** The bench's dev server, for the worker processes. */
  temporalAddress: string;
  dir: string;
  /** How long the slow release takes to boot; longer than a recovery, so attempt 2 is still running when looked at. */
  bootMs: number;
}

export const CRASH_QUEUE = 'bench-crash-recovery';
const VERSION = '2.1.0';
const STEP = 'wave-1';
const INSTALL: keyof RampartActivities = 'installTarget';
/** temporal.api.enums.v1.PendingActivityState STARTED. */
const PENDING_STARTED = 2;
/** The SDK forwards a heartbeat at most every 0.8 × the 3 s heartbeat timeout (workflows/activityProxies.ts). */
const HEARTBEAT_WINDOW_MS = 2_400;
const POLL_MS = 20;

interface Trial {
  /** From the journal's `begin` to the kill. */
  killAfterBeginMs: number;
  /** From the last heartbeat the server had recorded to the kill. */
  lastHeartbeatBeforeKillMs: number | null;
  /** The measure: kill to attempt 2 started (server time), on the other worker. */
  attemptStartedAgainMs: number;
  /** Kill to the supervisor's restart count showing attempt 2 at the target. */
  targetTouchedAgainMs: number | null;
  killedWorker: string;
  tookOver: string;
  attempt: number;
  rolloutState: string;
  /** Journal records of this change (begin and done): 2 means it was installed exactly once. */
  journalRecords: number;
}

export interface WorkerCrashRecoveryResult {
  workerCrashRecoveryMs: { p50: number | null; max: number | null; trials: number } | null;
  details: { method: string; trials: Trial[]; skipped?: string };
}

interface Pending {
  attempt: number;
  started: boolean;
  startedAtMs: number | null;
  lastHeartbeatMs: number | null;
  identity: string;
}

/** The install's pending activity in the step child, as the server describes it; undefined when none. */
async function pendingInstall(client: Client, rolloutId: string): Promise<Pending | undefined> {
  const described = await client.workflowService
    .describeWorkflowExecution({ namespace: 'default', execution: { workflowId: stepWorkflowId(rolloutId, STEP) } })
    .catch(() => undefined);
  const pending = described?.pendingActivities?.find((p) => p.activityType?.name === INSTALL);
  if (!pending) return undefined;
  return {
    attempt: pending.attempt ?? 0,
    started: pending.state === PENDING_STARTED,
    startedAtMs: timestampMs(pending.lastStartedTime),
    lastHeartbeatMs: timestampMs(pending.lastHeartbeatTime),
    identity: pending.lastWorkerIdentity ?? '',
  };
}

function timestampMs(ts: { seconds?: unknown; nanos?: number | null } | null | undefined): number | null {
  if (!ts) return null;
  return Number(String(ts.seconds ?? 0)) * 1000 + Math.floor((ts.nanos ?? 0) / 1e6);
}

async function waitFor<T>(what: string, timeoutMs: number, signal: AbortSignal, look: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    signal.throwIfAborted();
    const found = await look();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`worker crash recovery: ${what} did not happen within ${timeoutMs / 1000} s`);
    await sleep(POLL_MS);
  }
}

async function restartsOf(supervisorUrl: string, targetId: string): Promise<number | undefined> {
  const res = await fetch(`${supervisorUrl}/targets`, { signal: AbortSignal.timeout(1_000) }).catch(() => undefined);
  if (!res?.ok) return undefined;
  const targets = (await res.json()) as Array<{ id: string; restarts: number }>;
  return targets.find((t) => t.id === targetId)?.restarts;
}

export async function measureWorkerCrashRecovery(ctx: BenchContext, options: WorkerCrashRecoveryOptions): Promise<WorkerCrashRecoveryResult> {
  const method =
    'two worker processes (worker/main.ts, Postgres ledger) on one task queue; a slow install on a real local target; SIGKILL to the worker ' +
    'running it (found by the pending activity\'s worker identity) at offsets spread over the SDK\'s heartbeat window; time from the kill ' +
    'to the server\'s start time of attempt 2 on the other worker';
  const unavailable = postgresUnavailable();
  if (unavailable) return { workerCrashRecoveryMs: null, details: { method, trials: [], skipped: unavailable } };

  const pg = await startPostgres();
  const fleet = await fleetUp({ stateDir: path.join(options.dir, 'fleet'), size: options.trials, version: '1.0.0', internal: 0 });
  const artifact = await buildArtifact({ version: VERSION, outDir: path.join(options.dir, 'artifacts'), fault: { startDelayMs: options.bootMs } });
  const workers: WorkerProcess[] = [];
  let started = 0;
  const startWorker = async () => {
    const n = ++started;
    ctx.log(`worker crash recovery: starting worker process ${n}`);
    const worker = await startWorkerProcess({
      env: { ...process.env, TEMPORAL_ADDRESS: options.temporalAddress, RAMPART_TASK_QUEUE: CRASH_QUEUE, RAMPART_LEDGER_URL: pg.url, RAMPART_STATE_DIR: path.join(options.dir, `worker-${n}`) },
      cwd: options.dir,
      logFile: path.join(options.dir, `worker-${n}.log`),
      readyTimeoutMs: 180_000,
      signal: ctx.signal,
    });
    workers.push(worker);
    return worker;
  };
  const rollouts = new RolloutClient(ctx.client, CRASH_QUEUE);
  const trials: Trial[] = [];
  try {
    await Promise.all([startWorker(), startWorker()]);
    for (let i = 0; i < options.trials; i++) {
      const target = fleet.fleet.targets[i];
      if (target?.adapter !== 'local') throw new Error('worker crash recovery: the fleet has no local target for this trial');
      const rolloutId = `crash-recovery-${i + 1}-${Date.now().toString(36)}`;
      await rollouts.start({
        rolloutId,
        playbook: directPlaybook(1),
        fleet: { ...fleet.fleet, targets: [target] },
        release: { version: VERSION, artifactPath: artifact.path, sha256: artifact.sha256, notes: 'slow-booting release' },
        startedBy: 'bench',
      });
      const began = await waitFor('the install journal showing the change begun', 60_000, ctx.signal, async () =>
        (await readJournal(targetFolder(target))).find((r) => r.action === 'install' && r.to === VERSION && r.phase === 'begin'),
      );
      const running = await waitFor('the install attempt showing as started', 10_000, ctx.signal, async () => {
        const p = await pendingInstall(ctx.client, rolloutId);
        return p?.started && p.attempt === 1 ? p : undefined;
      });
      const victim = workers.find((w) => w.pid === parseIdentity(running.identity).pid);
      if (!victim) throw new Error(`worker crash recovery: the install runs on ${running.identity}, not on one of this measure's workers`);
      // Offsets spread over the heartbeat window, after the first heartbeats have gone out.
      const offsetMs = 1_000 + Math.round((HEARTBEAT_WINDOW_MS * i) / Math.max(1, options.trials - 1));
      await sleep(Math.max(0, Date.parse(began.at) + offsetMs - Date.now()));
      const restartsAtKill = await restartsOf(fleet.supervisorUrl, target.id);
      const killedAt = Date.now();
      signalGroup(victim.pid, 'SIGKILL');
      workers.splice(workers.indexOf(victim), 1);

      let lastHeartbeatMs: number | null = null;
      let touchedAt: number | null = null;
      const again = await waitFor('attempt 2 starting on the other worker', 60_000, ctx.signal, async () => {
        const [p, restarts] = await Promise.all([pendingInstall(ctx.client, rolloutId), touchedAt === null ? restartsOf(fleet.supervisorUrl, target.id) : undefined]);
        if (touchedAt === null && restarts !== undefined && restartsAtKill !== undefined && restarts > restartsAtKill) touchedAt = Date.now();
        if (p && p.attempt === 1) lastHeartbeatMs = p.lastHeartbeatMs;
        return p && p.attempt >= 2 && p.started ? p : undefined;
      });
      // The supervisor's count may move a moment after the attempt starts: give it a few seconds.
      for (let n = 0; n < 150 && touchedAt === null; n++) {
        const restarts = await restartsOf(fleet.supervisorUrl, target.id);
        if (restarts !== undefined && restartsAtKill !== undefined && restarts > restartsAtKill) touchedAt = Date.now();
        else await sleep(POLL_MS);
      }
      const status = await waitFor('the rollout ending', 120_000, ctx.signal, async () => {
        const s = await rollouts.status(rolloutId).catch(() => undefined);
        return s && FINAL_STATES.includes(s.state) ? s : undefined;
      });
      const records = (await readJournal(targetFolder(target))).filter((r) => r.action === 'install' && r.to === VERSION);
      const trial: Trial = {
        killAfterBeginMs: killedAt - Date.parse(began.at),
        lastHeartbeatBeforeKillMs: lastHeartbeatMs === null ? null : killedAt - lastHeartbeatMs,
        attemptStartedAgainMs: (again.startedAtMs ?? Number.NaN) - killedAt,
        targetTouchedAgainMs: touchedAt === null ? null : touchedAt - killedAt,
        killedWorker: running.identity,
        tookOver: again.identity,
        attempt: again.attempt,
        rolloutState: status.state,
        journalRecords: records.length,
      };
      trials.push(trial);
      ctx.log(`worker crash recovery: trial ${i + 1}: attempt ${trial.attempt} started ${trial.attemptStartedAgainMs} ms after the kill on ${trial.tookOver}; rollout ${trial.rolloutState}`);
      if (trial.tookOver === trial.killedWorker) throw new Error(`worker crash recovery: attempt ${trial.attempt} ran on the killed worker ${trial.killedWorker}`);
      if (i < options.trials - 1) await startWorker();
    }
  } finally {
    await Promise.all(workers.map((w) => stopWorkerProcess(w.pid, 10_000).catch(() => undefined)));
    await fleetDown({ stateDir: fleet.stateDir }).catch(() => undefined);
    await pg.stop().catch(() => undefined);
  }
  const times = trials.map((t) => t.attemptStartedAgainMs);
  return {
    workerCrashRecoveryMs: { p50: ms(median(times)), max: ms(Math.max(...times)), trials: trials.length },
    details: { method, trials },
  };
}
