/**
 * The status portal under 500 live-stream clients: a real portal (startPortal on a loopback port,
 * its own ReleaseTracker polling the bench's dev server) over a real rollout with customers on noop
 * targets, run by a Rampart worker of its own on PORTAL_QUEUE (so the portal lists this release
 * only, not the earlier phases' rollouts). Customer notices go to an in-process SMTP stand-in.
 *
 *   1. The rollout starts (canary, wave 1, then a last wave with a long bake that keeps it live).
 *   2. `clients` SSE connections to GET /api/stream through one keep-alive Agent; each parses
 *      frames; all must have their snapshot.
 *   3. With all of them connected, `requests` GETs, `concurrency` at a time, over /, /api/releases,
 *      /api/releases/<id>, /releases/<id> and /feed.atom, each timed to its last body byte; the
 *      rollout's steps complete meanwhile and are pushed to every stream.
 *   4. Once the last wave bakes, the 'stop' Update (then: rollback): the first 'release' frame after
 *      it is the fan-out measured, from the first client that got it to each client.
 *   5. Streams closed, portal closed, the rollout's rollback awaited (terminated should it hang),
 *      worker, SMTP stand-in and environment restored.
 *
 * Clients, portal, tracker and worker share this one Node process (and its 2 cores on CI): the
 * latencies include the clients' own parsing of every broadcast frame.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import { startPortal, type Portal } from '../../client/portal/portalServer';
import { RolloutClient } from '../../client/rolloutClient';
import { startSmtpServer } from '../../local/standins/smtpServer';
import type { PublicRelease } from '../../domain/publicStatus';
import type { RolloutInput } from '../../domain/rolloutInput';
import type { BenchContext } from '../harness/benchContext';
import { benchPlaybook, noopFleet, TO_VERSION } from '../harness/noopRollout';
import { ms, percentile } from '../harness/stats';

export const PORTAL_QUEUE = 'bench-portal';

export interface PortalLatencyOptions {
  /** Live-stream (SSE) clients held open during the measurement. */
  clients: number;
  /** Ordinary GETs sent while they are connected. */
  requests: number;
  concurrency: number;
}

/** A Rampart worker on PORTAL_QUEUE, started for this measurement only. */
export type StartPortalWorker = () => Promise<{ bundleMs: number; stop: () => Promise<void> }>;

const ENV_KEYS = ['RAMPART_STATE_DIR', 'SMTP_URL', 'MAIL_FROM'] as const;
const COMPONENT = 'Rampart bench service';
const REQUEST_TIMEOUT_MS = 10_000;

function alwaysOpen() {
  return ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((day) => ({ day, start: '00:00', duration: '24h' }));
}

/** Two customers on a 4-target fleet: one Early Access (the canary's target), one Stable (the last wave's). */
function inlineCustomers(targetIds: string[]) {
  return {
    customers: [
      { id: 'bench-acme', name: 'ACME Corp', targets: [targetIds[2]], channel: 'early-access', timeZone: 'UTC', contacts: { emails: ['ops@acme.example'] }, maintenanceWindows: alwaysOpen(), routineNoticesPerWeek: 50 },
      { id: 'bench-globex', name: 'Globex', targets: [targetIds[3]], channel: 'stable', timeZone: 'Europe/Berlin', contacts: { emails: ['it@globex.example'] }, maintenanceWindows: alwaysOpen(), routineNoticesPerWeek: 50 },
    ],
  };
}

/** Canary and wave 1 bake briefly (steps complete while clients are connected); the last wave bakes long, until the stop. */
function portalPlaybook(): Record<string, unknown> {
  return benchPlaybook('bench-portal', 'phased', 'the portal is too slow with many pages open', {
    phases: {
      canary: { size: 1, bakeTime: '2s' },
      waves: [{ size: '50%', bakeTime: '2s', maxParallel: 2 }, { size: '100%', bakeTime: '30m', maxParallel: 2 }],
    },
    customers: { component: COMPONENT, noticeBefore: '0s', incidentUpdateEvery: '1m' },
  });
}

interface ReleaseFrame {
  seq: number;
  at: number;
  state: string;
}

/** One live-stream client: what it received and when (performance.now()). */
interface StreamClient {
  request: http.ClientRequest;
  status: number | null;
  snapshotSeq: number | null;
  snapshotAt: number | null;
  /** 'release' frames for the measured release, in arrival order. */
  frames: ReleaseFrame[];
  heartbeats: number;
  /** Set when the stream ended or failed before we closed it. */
  lost: string | null;
  closing: boolean;
}

function openStream(url: string, agent: http.Agent, releaseId: string): StreamClient {
  const client: StreamClient = { request: undefined as unknown as http.ClientRequest, status: null, snapshotSeq: null, snapshotAt: null, frames: [], heartbeats: 0, lost: null, closing: false };
  const lose = (why: string) => {
    if (!client.closing && client.lost === null) client.lost = why;
  };
  client.request = http.get(url, { agent, headers: { accept: 'text/event-stream' } }, (res) => {
    client.status = res.statusCode ?? 0;
    if (client.status !== 200) {
      lose(`HTTP ${client.status}`);
      res.resume();
      return;
    }
    let buffer = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      const at = performance.now();
      buffer += chunk;
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (frame.startsWith(':')) {
          client.heartbeats++;
          continue;
        }
        const event = /^event: (.*)$/m.exec(frame)?.[1];
        const data = /^data: (.*)$/m.exec(frame)?.[1];
        const seq = Number(/^id: (\d+)$/m.exec(frame)?.[1]);
        if (!event || !data) continue;
        if (event === 'snapshot') {
          client.snapshotSeq = seq;
          client.snapshotAt = at;
        } else if (event === 'release') {
          const release = JSON.parse(data) as PublicRelease;
          if (release.id === releaseId) client.frames.push({ seq, at, state: release.state });
        }
      }
    });
    res.on('end', () => lose('the stream ended'));
    res.on('error', (err) => lose(err.message));
  });
  client.request.on('error', (err) => lose(err.message));
  client.request.on('close', () => lose('the connection closed'));
  return client;
}

interface Timed {
  path: string;
  ms: number;
  ok: boolean;
  error?: string;
}

function timedGet(url: string, path: string, agent: http.Agent): Promise<Timed> {
  return new Promise((resolve) => {
    const started = performance.now();
    let settled = false;
    const done = (ok: boolean, error?: string) => {
      if (settled) return;
      settled = true;
      resolve({ path, ms: performance.now() - started, ok, ...(error ? { error } : {}) });
    };
    const req = http.get(`${url}${path}`, { agent, timeout: REQUEST_TIMEOUT_MS }, (res) => {
      let bytes = 0;
      res.on('data', (chunk: Buffer) => (bytes += chunk.length));
      res.on('end', () => (res.statusCode === 200 && bytes > 0 ? done(true) : done(false, `HTTP ${res.statusCode} (${bytes} bytes)`)));
      res.on('error', (err) => done(false, err.message));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`)));
    req.on('error', (err) => done(false, err.message));
  });
}

/** Polls `check` every `everyMs` until it holds; bounded by `timeoutMs` and Ctrl-C. */
async function waitUntil(ctx: BenchContext, what: string, check: () => boolean, timeoutMs: number, everyMs = 20): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    ctx.signal.throwIfAborted();
    if (performance.now() > deadline) throw new Error(`portal latency: ${what} not within ${timeoutMs} ms`);
    await delay(everyMs);
  }
}

const stats = (values: number[]) => ({ p50: ms(percentile(values, 50)), p99: ms(percentile(values, 99)) });

export async function measurePortalLatency(ctx: BenchContext, startWorker: StartPortalWorker, stateDir: string, options: PortalLatencyOptions) {
  const { log } = ctx;
  const saved = Object.fromEntries(ENV_KEYS.map((key) => [key, process.env[key]]));
  const run = randomBytes(4).toString('hex');
  const rolloutId = `bench-portal-${run}`;
  const rollouts = new RolloutClient(ctx.client, PORTAL_QUEUE);
  const fleet = noopFleet(`portal-${run}`, 4);
  const customers = inlineCustomers(fleet.targets.map((t) => t.id));
  const smtp = await startSmtpServer();
  let worker: Awaited<ReturnType<StartPortalWorker>> | undefined;
  let portal: Portal | undefined;
  let rolloutRunning = false;
  const clients: StreamClient[] = [];
  // Streams plus the request lanes, each on a socket of its own.
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.clients + options.concurrency + 10 });
  const serverErrors: string[] = [];
  try {
    Object.assign(process.env, { RAMPART_STATE_DIR: stateDir, SMTP_URL: smtp.url, MAIL_FROM: 'rampart-bench@localhost' });
    worker = await ctx.until(startWorker());
    log(`portal: worker on ${PORTAL_QUEUE} up (bundled in ${worker.bundleMs} ms); starting rollout ${rolloutId} (4 noop targets, 2 customers)`);

    const input: RolloutInput = {
      rolloutId,
      playbook: portalPlaybook(),
      fleet,
      release: { version: TO_VERSION, artifactPath: ctx.artifact.path, sha256: ctx.artifact.sha256, notes: `bench release ${TO_VERSION}` },
      startedBy: 'bench',
      customers,
    };
    const handle = await ctx.until(rollouts.start(input));
    rolloutRunning = true;

    portal = await ctx.until(startPortal({
      client: ctx.client,
      taskQueue: PORTAL_QUEUE,
      customers: customers.customers.map((c) => ({ id: c.id, name: c.name })),
      secret: randomBytes(32).toString('hex'),
      port: 0,
      host: '127.0.0.1',
      log: (line) => {
        if (line.startsWith('error on')) serverErrors.push(line);
      },
    }));
    const { url, tracker } = portal;
    await waitUntil(ctx, `release ${rolloutId} on the portal`, () => tracker.release(rolloutId)?.active === true, 30_000, 50);

    // 2. The live-stream clients.
    const connectStarted = performance.now();
    for (let i = 0; i < options.clients; i++) clients.push(openStream(`${url}/api/stream`, agent, rolloutId));
    await waitUntil(ctx, `${options.clients} snapshots`, () => clients.every((c) => c.snapshotSeq !== null || c.lost !== null), 30_000);
    const connectMs = performance.now() - connectStarted;
    const refused = clients.filter((c) => c.lost !== null);
    if (refused.length > 0) throw new Error(`portal latency: ${refused.length} of ${options.clients} streams failed to open (first: ${refused[0]!.lost})`);
    const openAtServer = portal.openStreams();
    log(`portal: ${options.clients} streams open (server counts ${openAtServer}), all with their snapshot, in ${ms(connectMs)} ms; ${options.requests} GETs, ${options.concurrency} at a time`);

    // 3. The requests, while every stream stays open and the rollout moves on.
    const paths = ['/', '/api/releases', `/api/releases/${rolloutId}`, `/releases/${rolloutId}`, '/feed.atom'];
    const results: Timed[] = new Array(options.requests);
    let next = 0;
    const loadStarted = performance.now();
    await ctx.until(Promise.all(Array.from({ length: options.concurrency }, async () => {
      while (next < options.requests && !ctx.signal.aborted) {
        const i = next++;
        results[i] = await timedGet(url, paths[i % paths.length]!, agent);
      }
    })));
    const loadEnded = performance.now();
    const loadMs = loadEnded - loadStarted;
    // Broadcasts that went out while the requests ran (the rollout's steps move on their own clock).
    const framesDuringRequests = clients[0]!.frames.filter((f) => f.at >= loadStarted && f.at <= loadEnded).length;
    const latencies = results.map((r) => r.ms);
    const failed = results.filter((r) => !r.ok);
    const byPath = Object.fromEntries(paths.map((p) => [p.replace(rolloutId, '<id>'), ms(percentile(results.filter((r) => r.path === p).map((r) => r.ms), 99))]));
    log(`portal: ${options.requests} GETs in ${ms(loadMs)} ms, p50 ${ms(percentile(latencies, 50))} ms, p99 ${ms(percentile(latencies, 99))} ms, ${failed.length} failed`);

    // 4. The stop, once the last wave bakes: its first 'release' frame is the fan-out measured.
    await waitUntil(ctx, 'the last wave baking', () => {
      const release = tracker.release(rolloutId);
      return release?.steps.at(-1)?.state === 'monitoring' || release?.active === false;
    }, 60_000, 50);
    const before = tracker.release(rolloutId)!;
    if (!before.active) throw new Error(`portal latency: ${rolloutId} ended ${before.state} before the stop`);
    const framesBeforeStop = Math.max(...clients.map((c) => c.frames.length));
    const stopSent = performance.now();
    await ctx.until(rollouts.stop(rolloutId, { by: 'bench', reason: 'portal bench done' }));
    const firstAfterStop = () => Math.min(...clients.flatMap((c) => c.frames.filter((f) => f.at > stopSent).map((f) => f.seq)));
    await waitUntil(ctx, "a 'release' frame after the stop", () => Number.isFinite(firstAfterStop()), 15_000);
    const stopSeq = firstAfterStop();
    // Every client connected before that frame was written must get it.
    await waitUntil(ctx, 'the stop frame at every client', () => clients.every((c) => c.lost !== null || c.frames.some((f) => f.seq === stopSeq)), 15_000).catch(() => undefined);
    const arrivals = clients.map((c) => c.frames.find((f) => f.seq === stopSeq)?.at).filter((at): at is number => at !== undefined);
    const firstArrival = Math.min(...arrivals);
    const fanOut = arrivals.map((at) => at - firstArrival);
    const stopState = clients.flatMap((c) => c.frames).find((f) => f.seq === stopSeq)?.state;
    const missedStopFrame = options.clients - arrivals.length;
    log(`portal: stop frame (${before.state} -> ${stopState}) at ${arrivals.length}/${options.clients} clients, first ${ms(firstArrival - stopSent)} ms after the stop was sent; fan-out p99 ${ms(percentile(fanOut, 99))} ms`);

    // Every frame written after the last snapshot must be at every client, in order.
    const lastSnapshot = Math.max(...clients.map((c) => c.snapshotSeq ?? 0));
    const expected = [...new Set(clients.flatMap((c) => c.frames.map((f) => f.seq)).filter((s) => s > lastSnapshot))].sort((a, b) => a - b).join();
    const missedFrames = clients.filter((c) => c.frames.map((f) => f.seq).filter((s) => s > lastSnapshot).join() !== expected).length;
    const lost = clients.filter((c) => c.lost !== null);
    const streamsOpenAtEnd = portal.openStreams();

    // 5. Close the streams; the portal must notice.
    for (const c of clients) {
      c.closing = true;
      c.request.destroy();
    }
    await waitUntil(ctx, 'the portal dropping the closed streams', () => portal!.openStreams() === 0, 10_000, 50).catch(() => undefined);
    const streamsLeftAfterClose = portal.openStreams();
    const result = await ctx.until(Promise.race([
      handle.result().then((s) => s.state as string),
      delay(60_000).then(() => 'still running after 60 s'),
    ]));
    rolloutRunning = result === 'still running after 60 s';
    log(`portal: rollout ended ${result}; ${smtp.messages().length} customer mails`);

    const errors = failed.length + serverErrors.length + lost.length + missedStopFrame + missedFrames;
    const p99 = ms(percentile(latencies, 99));
    return {
      portalP99LatencyMs: p99,
      details: {
        clients: options.clients,
        requests: options.requests,
        concurrency: options.concurrency,
        p50Ms: ms(percentile(latencies, 50)),
        p99Ms: p99,
        maxMs: ms(Math.max(...latencies)),
        byPath,
        streamFanOutMs: stats(fanOut),
        errors,
        errorCounts: {
          failedRequests: failed.length,
          serverErrors: serverErrors.length,
          streamsLost: lost.length,
          missedStopFrame,
          clientsMissingFrames: missedFrames,
        },
        ...(failed.length > 0 ? { firstFailure: `${failed[0]!.path}: ${failed[0]!.error}` } : {}),
        ...(lost.length > 0 ? { firstLostStream: lost[0]!.lost } : {}),
        connectMs: ms(connectMs),
        loadWallMs: ms(loadMs),
        requestsPerSecond: Math.round(options.requests / (loadMs / 1000)),
        releaseFramesPerClient: { duringRequests: framesDuringRequests, beforeStop: framesBeforeStop, total: Math.max(...clients.map((c) => c.frames.length)) },
        stopFrame: { from: before.state, to: stopState ?? null, firstClientAfterStopSentMs: ms(firstArrival - stopSent) },
        streamsOpen: { atServerAfterConnect: openAtServer, atServerAtEnd: streamsOpenAtEnd, afterClientsClosed: streamsLeftAfterClose },
        rolloutEnded: result,
        workerBundleMs: worker.bundleMs,
        method:
          `startPortal on 127.0.0.1:0 (default 1 s tracker poll, 15 s heartbeat) over one rollout run by a worker of its own on task queue ${PORTAL_QUEUE}: ` +
          `4 noop targets, 2 inline customers, canary and wave 1 baking 2 s, the last wave 30 min until the 'stop' Update (then rollback); ` +
          `${options.clients} SSE clients on GET /api/stream through one keep-alive http.Agent, each parsing every frame, all holding their snapshot first; ` +
          `${options.requests} GETs (${options.concurrency} in flight) round-robin over ${paths.map((p) => p.replace(rolloutId, '<id>')).join(', ')}, timed from request to last body byte; ` +
          "nearest-rank percentiles; streamFanOutMs = per client, arrival of the first 'release' frame after the stop minus its first arrival at any client; " +
          'errors = failed or non-200 requests + server errors + streams lost + clients missing the stop frame or any frame after the last snapshot; ' +
          'clients, portal, tracker and worker share one process',
      },
    };
  } finally {
    for (const c of clients) {
      c.closing = true;
      c.request.destroy();
    }
    agent.destroy();
    await portal?.close().catch((err: Error) => log(`portal: could not close the portal: ${err.message}`));
    if (rolloutRunning && !ctx.signal.aborted) {
      await rollouts.handle(rolloutId).terminate('portal bench done').catch(() => undefined);
    }
    await worker?.stop().catch((err: Error) => log(`portal: could not stop the worker: ${err.message}`));
    // The worker's pooled SMTP connections end with the stand-in, which closes them.
    await smtp.close();
    for (const key of ENV_KEYS) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
  }
}
