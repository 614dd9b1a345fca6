/**
 * `npm run bench`: Rampart's performance against its goals, as ONE JSON object on stdout
 * (progress goes to stderr). It starts its own Temporal dev server (free loopback port, SQLite in
 * a temp folder) and runs its workers in this process, then measures:
 *
 *   overheadRatio     a zero-bake 500-target rollout on noop targets vs. a bare workflow running
 *                     500 no-op activities at the same parallelism (bench/measures/overhead.ts)
 *   stopLatencyMs     emergency stop accepted -> rollout held, over 20 trials, stop pressed once
 *                     the rollout's status shows wave-1 installing (bench/measures/stopLatency.ts)
 *   stopLatencyOnceStepRunningMs
 *                     the same, stop pressed once the wave's child workflow reports an install running
 *   notificationsPerSecond
 *                     500 incidents' Slack posts and mails (1,000 notifications) through Temporal
 *                     to local Slack and SMTP stand-ins, 20 at a time, with a Slack 429 burst
 *                     midway (bench/measures/notifications.ts, bench/measures/notifyWorkflow.ts)
 *   duplicateNotifications
 *                     messages in the stand-ins beyond one per key, after that run and a replay
 *                     of the whole batch with the same keys (must be 0)
 *   customerNoticesPerSecond
 *                     a pre-deployment notice to each of 10,000 customers (mail + signed webhook)
 *                     through deliverCustomerNotice, 32 at a time, to local SMTP and webhook
 *                     receivers (bench/measures/customerNotices.ts)
 *   duplicateCustomerNotices
 *                     mails and webhooks beyond one per notice after delivering all 10,000 a
 *                     second time with the same keys (must be 0)
 *   portalP99LatencyMs
 *                     the status portal's p99 latency over 1,000 GETs (20 at a time) while 500 live-stream
 *                     clients are connected to it, over a real rollout with customers on noop targets;
 *                     also the stream's fan-out of a change to all 500 clients (bench/measures/portalLatency.ts)
 *   scale20k          a 20,000-target rollout on noop targets (canary + five waves, 100 at a time): targets
 *                     completed, the largest history of any run of its workflows (events, bytes), peak
 *                     RSS of this process during it, targets per second (bench/measures/scale20k.ts)
 *   stopToRestoredMs  a 20-target local fleet (real processes) mid-wave: `stop --then rollback` accepted
 *                     until the rollout ends rolled_back with every changed target verified on its
 *                     previous version, p50/p99 of 5 trials (bench/measures/stopToRestored.ts)
 *   workerPeakRssMb   peak RSS of this process, which hosts the workers, up to the end of the stop
 *                     trials (bench/harness/rssSampler.ts); later phases show in workerRss.marks
 *   workerCrashRecoveryMs
 *                     SIGKILL to a worker process mid-install on a real target -> the install's
 *                     attempt started again on the other worker process (bench/measures/workerCrashRecovery.ts)
 *
 * `npm run bench -- --only workerCrashRecoveryMs` runs just the measures named (bench/harness/selection.ts).
 *
 * Everything it starts is stopped in a finally block, also on Ctrl-C (exit code 130).
 *
 * `npm run bench -- --soak` runs the fault campaign's long soak instead (bench/measures/faultSoak.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildArtifact } from '../../local/fleet/artifactBuild';
import { abortable } from './abortable';
import type { BenchContext } from './benchContext';
import { BenchStack } from '../benchStack';
import { measureCustomerNotices } from '../measures/customerNotices';
import { describeEnvironment } from './environment';
import { TO_VERSION } from './noopRollout';
import { measureNotifications, NOTIFY_QUEUE } from '../measures/notifications';
import { measureOverhead } from '../measures/overhead';
import { measurePortalLatency, PORTAL_QUEUE } from '../measures/portalLatency';
import { RssSampler, vmHwmMb } from './rssSampler';
import { measureStopLatency } from '../measures/stopLatency';
import { measureWorkerCrashRecovery } from '../measures/workerCrashRecovery';
import { parseSelection } from './selection';
import { runFaultSoak } from '../measures/faultSoak';
import { measureScale20k } from '../measures/scale20k';
import { measureStopToRestored } from '../measures/stopToRestored';
import { measureStopTheLine } from '../measures/stopTheLine';

const GOALS = { stopLatencyP99Ms: 1000, overheadRatio: 1.5, portalP99LatencyMs: 250, workerCrashRecoveryMs: 5000, stopToRestoredP99Ms: 5000, stopTheLineP99Ms: 2000 };
const OVERHEAD = { targets: 500, maxParallel: 20, runs: 5 };
const STOP = { trials: 20, targets: 200, maxParallel: 2, pollIntervalMs: 10 } as const;
const CUSTOMER_NOTICES = { customers: 10_000, concurrency: 32, webhook: true };
const PORTAL = { clients: 500, requests: 1_000, concurrency: 20 };
const NOTIFY = { incidents: 500, workflows: 4, lanesPerWorkflow: 5, rateLimitBurst: 20, retryAfterSeconds: 1 };
const CRASH_RECOVERY = { trials: 3, bootMs: 12_000 };
const SCALE = { targets: 20_000, maxParallel: 100 };
const STOP_TO_RESTORED = { targets: 20, trials: 5, maxParallel: 4 };
const STOP_THE_LINE = { rollouts: 50, targets: 100, pollIntervalMs: 20 };
const SCALE_GOALS = { largestHistoryEvents: 10_240, workerPeakRssMb: 512, targetsPerSecond: 200 };
/** What --only can name. */
const SELECTABLE = ['workerCrashRecoveryMs', 'scale20k', 'stopToRestoredMs', 'stopTheLine'] as const;

const log = (message: string) => process.stderr.write(`bench: ${message}\n`);

async function main(): Promise<number> {
  const selection = parseSelection(process.argv.slice(2), SELECTABLE);
  if ('error' in selection) {
    log(selection.error);
    return 2;
  }
  const abort = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (abort.signal.aborted) {
      log(`${signal} again: exiting now`);
      process.exit(130); // the dev server module's exit hook still SIGTERMs the server
    }
    log(`${signal}: stopping the workers and the Temporal dev server`);
    abort.abort(new Error(`interrupted by ${signal}`));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const started = Date.now();
  const rss = new RssSampler(100);
  rss.start();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rampart-bench-'));
  // Every measure builds its artifacts below this folder: it is the workers' artifact store (they inherit it).
  process.env.RAMPART_ARTIFACT_STORE ??= dir;
  const stack = new BenchStack(log);
  try {
    await stack.start(path.join(dir, 'temporal'));
    rss.mark('afterBundlingAndWorkerStart');
    const artifact = await buildArtifact({ version: TO_VERSION, outDir: path.join(dir, 'artifacts') });
    const ctx: BenchContext = {
      client: stack.client,
      artifact,
      signal: abort.signal,
      log,
      until: (promise) => abortable(promise, abort.signal),
      assertWorkersRunning: () => stack.assertWorkersRunning(),
    };
    type Measured = { result: Record<string, unknown>; goals: Record<string, unknown> };
    const crashRecovery = async (): Promise<Measured> => {
      const measured = await measureWorkerCrashRecovery(ctx, { ...CRASH_RECOVERY, temporalAddress: stack.server!.address, dir: path.join(dir, 'crash-recovery') });
      const value = measured.workerCrashRecoveryMs;
      return {
        result: { workerCrashRecoveryMs: value, workerCrashRecovery: measured.details },
        goals: { workerCrashRecoveryMs: { goal: GOALS.workerCrashRecoveryMs, value: value?.max ?? null, met: value !== null && value.max !== null && value.max < GOALS.workerCrashRecoveryMs } },
      };
    };
    const scale = async (): Promise<Measured> => {
      const { scale20k, details } = await measureScale20k(ctx, { ...SCALE, temporalAddress: stack.server!.address, dir: path.join(dir, 'scale20k') });
      const met = (value: number, goal: number, under: boolean) => ({ goal, value, met: under ? value < goal : value >= goal });
      return {
        result: { scale20k, scale20kDetails: details },
        goals: {
          scale20kCompleted: { goal: scale20k.targets, value: scale20k.completed, met: scale20k.completed === scale20k.targets },
          scale20kLargestHistoryEvents: met(scale20k.largestHistoryEvents, SCALE_GOALS.largestHistoryEvents, true),
          scale20kWorkerPeakRssMb: met(scale20k.workerPeakRssMb, SCALE_GOALS.workerPeakRssMb, true),
          scale20kTargetsPerSecond: met(scale20k.targetsPerSecond, SCALE_GOALS.targetsPerSecond, false),
        },
      };
    };
    const stopToRestored = async (): Promise<Measured> => {
      const { stopToRestoredMs, details } = await measureStopToRestored(ctx, { ...STOP_TO_RESTORED, dir: path.join(dir, 'stop-to-restored') });
      return {
        result: { stopToRestoredMs, stopToRestored: details },
        goals: { stopToRestoredMs: { goal: GOALS.stopToRestoredP99Ms, value: stopToRestoredMs.p99, met: stopToRestoredMs.p99 < GOALS.stopToRestoredP99Ms } },
      };
    };
    const lineStop = async (): Promise<Measured> => {
      const { method, commandMs, commandTimings, notStopped, ...stopTheLine } = await measureStopTheLine(ctx, STOP_THE_LINE);
      return {
        result: { stopTheLine, stopTheLineDetails: { method, commandMs, commandTimings, notStopped } },
        goals: {
          stopTheLineP99Ms: { goal: GOALS.stopTheLineP99Ms, value: stopTheLine.p99Ms, met: stopTheLine.p99Ms < GOALS.stopTheLineP99Ms },
          stopTheLineStartedAfterFreeze: { goal: 0, value: stopTheLine.startedAfterFreeze, met: stopTheLine.startedAfterFreeze === 0 },
        },
      };
    };
    const optional: Record<(typeof SELECTABLE)[number], () => Promise<Measured>> = { workerCrashRecoveryMs: crashRecovery, scale20k: scale, stopToRestoredMs: stopToRestored, stopTheLine: lineStop };
    if (!selection.all) {
      const measured: Measured[] = [];
      for (const name of SELECTABLE) if (selection.names.has(name)) measured.push(await optional[name]());
      const selected = {
        ...Object.assign({}, ...measured.map((m) => m.result)),
        environment: describeEnvironment(),
        goals: Object.assign({}, ...measured.map((m) => m.goals)),
        totalMs: Date.now() - started,
      };
      process.stdout.write(`${JSON.stringify(selected, null, 2)}\n`);
      return 0;
    }

    const overhead = await measureOverhead(ctx, OVERHEAD);
    rss.mark('afterOverhead');
    const stopLatencyMs = await measureStopLatency(ctx, { ...STOP, trigger: 'status' });
    const stopLatencyOnceStepRunningMs = await measureStopLatency(ctx, { ...STOP, trigger: 'step' });
    rss.mark('afterStopTrials');
    // The notifications phase adds a worker and hosts the Slack and SMTP stand-ins (every message
    // they received) in this process: its peak goes into marks.afterNotifications, not into
    // workerPeakRssMb, which keeps measuring what it always has.
    const workerPeakRssMb = rss.peakMb();
    const notifications = await measureNotifications(
      ctx,
      () => stack.startRampartWorker('notify worker', NOTIFY_QUEUE, require.resolve('../measures/notifyWorkflow')),
      path.join(dir, 'notify-state'),
      NOTIFY,
    );
    rss.mark('afterNotifications');
    const customerNotices = await measureCustomerNotices(ctx, path.join(dir, 'customer-notice-state'), CUSTOMER_NOTICES);
    rss.mark('afterCustomerNotices');
    const portal = await measurePortalLatency(
      ctx,
      () => stack.startRampartWorker('portal worker', PORTAL_QUEUE, require.resolve('../../workflows')),
      path.join(dir, 'portal-state'),
      PORTAL,
    );
    rss.mark('afterPortal');
    stack.assertWorkersRunning();
    const recovery = await crashRecovery();
    const scaled = await scale();
    const restored = await stopToRestored();
    const line = await lineStop();

    const { method: overheadMethod, ...overheadNumbers } = overhead;
    const result = {
      stopLatencyMs,
      stopLatencyOnceStepRunningMs,
      ...overheadNumbers,
      overheadMethod,
      notificationsPerSecond: notifications.notificationsPerSecond,
      notificationsMethod: notifications.method,
      duplicateNotifications: notifications.duplicateNotifications,
      notifications: notifications.details,
      customerNoticesPerSecond: customerNotices.customerNoticesPerSecond,
      duplicateCustomerNotices: customerNotices.duplicateCustomerNotices,
      customerNotices: customerNotices.details,
      portalP99LatencyMs: portal.portalP99LatencyMs,
      portal: portal.details,
      ...recovery.result,
      ...scaled.result,
      ...restored.result,
      ...line.result,
      workerPeakRssMb,
      workerRss: {
        source:
          'process.memoryUsage().rss sampled every 100 ms in the bench process, which hosts both workers, the client and the workflow bundler; ' +
          'workerPeakRssMb is the peak up to the end of the stop trials (marks.afterStopTrials); the notifications phase, which adds a notify worker ' +
          'and runs the Slack and SMTP stand-ins in this process, shows in marks.afterNotifications',
        marks: rss.marks,
        vmHwmMb: vmHwmMb() ?? null,
      },
      bundleMs: stack.bundleMs,
      environment: describeEnvironment(),
      goals: {
        stopLatencyP99Ms: {
          goal: GOALS.stopLatencyP99Ms,
          value: stopLatencyMs.p99,
          met: stopLatencyMs.p99 !== null && stopLatencyMs.p99 <= GOALS.stopLatencyP99Ms,
          ...(stopLatencyMs.lost > 0 ? { note: `${stopLatencyMs.lost} of ${stopLatencyMs.trials} accepted stops never held the rollout (stopLatencyMs.lostStops)` } : {}),
        },
        overheadRatio: { goal: GOALS.overheadRatio, value: overhead.overheadRatio, met: overhead.overheadRatio <= GOALS.overheadRatio },
        duplicateNotifications: {
          goal: 0,
          value: notifications.duplicateNotifications,
          met: notifications.duplicateNotifications === 0 && notifications.details.replayDeliveredNothingNew,
          ...(notifications.details.replayDeliveredNothingNew ? {} : { note: 'the replay with the same keys delivered or called Slack again (notifications.deliveredAfterReplay)' }),
        },
        duplicateCustomerNotices: {
          goal: 0,
          value: customerNotices.duplicateCustomerNotices,
          // Zero duplicates only counts when every notice did arrive.
          met: customerNotices.duplicateCustomerNotices === 0 && customerNotices.details.missingMails === 0,
        },
        portalP99LatencyMs: {
          // Under the goal, with every live-stream client connected throughout and no error of any kind.
          goal: GOALS.portalP99LatencyMs,
          value: portal.portalP99LatencyMs,
          clients: portal.details.clients,
          errors: portal.details.errors,
          met: portal.portalP99LatencyMs < GOALS.portalP99LatencyMs && portal.details.clients === PORTAL.clients && portal.details.errors === 0,
        },
        ...recovery.goals,
        ...scaled.goals,
        ...restored.goals,
        ...line.goals,
      },
      totalMs: Date.now() - started,
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return 0;
  } catch (error) {
    log(abort.signal.aborted ? `${(abort.signal.reason as Error).message}` : `failed: ${(error as Error).stack ?? String(error)}`);
    return abort.signal.aborted ? 130 : 1;
  } finally {
    rss.stop();
    await stack.close(abort.signal.aborted);
    rmSync(dir, { recursive: true, force: true });
    log(`done in ${Math.round((Date.now() - started) / 1000)} s`);
  }
}

// Exit explicitly: a native worker handle must not keep the process alive once all is stopped.
const args = process.argv.slice(2);
void (args.includes('--soak') ? runFaultSoak(args, log) : main()).then((code) => process.exit(code));
