/**
 * One deploy target of the local fleet: serves the release that DIR/current points at, with that
 * release's behaviour (its fault, if any), plus /health and /metrics for Rampart's gates.
 *
 *   node --import tsx local/fleet/targetServer.ts --id t-01 --dir DIR --port P
 *
 * The version is read once at start: switching `current` changes nothing until the supervisor
 * restarts the process, exactly like a real service that loads its code at boot. Feature switches
 * (DIR/features.json) are runtime configuration instead: a change takes effect within
 * FeatureSwitches.RECHECK_MS, without a restart. A fault gated on a feature (fault.feature) only
 * applies its error rate and latency while that feature is on. Every start that reaches serving is
 * appended to DIR/boot-log.jsonl (bootLog.ts): the target's own account of what it ran, and when.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { describeErrors, parseInput } from '../../domain/issues';
import { manifestSchema, type Manifest } from '../../domain/release';
import { exitWithParent } from '../process/exitWithParent';
import { FeatureSwitches } from '../../activities/adapters/local/featureSwitches';
import { recordBoot } from './bootLog';
import { RequestMetrics } from './requestMetrics';
import { startSyntheticTraffic, trafficRateFromEnv } from './syntheticTraffic';

/** A crash-faulted version stays up this long: long enough to be seen starting, then it dies. */
const CRASH_AFTER_MS = 300;

function readArgs(): { id: string; dir: string; port: number } {
  const { values } = parseArgs({
    options: { id: { type: 'string' }, dir: { type: 'string' }, port: { type: 'string' } },
  });
  const port = Number(values.port);
  if (!values.id || !values.dir || !Number.isInteger(port) || port < 1 || port > 65535) {
    console.error('usage: targetServer.ts --id <target id> --dir <target dir> --port <1-65535>');
    process.exit(2);
  }
  return { id: values.id, dir: values.dir, port };
}

function readCurrentRelease(dir: string): Manifest {
  const file = join(dir, 'current', 'release.json');
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`cannot read ${file}: ${(err as Error).message}`);
  }
  const parsed = parseInput(manifestSchema, raw);
  if (!parsed.ok) throw new Error(`${file} is invalid: ${describeErrors(parsed.errors)}`);
  return parsed.value;
}

function main(): void {
  const { id, dir, port } = readArgs();
  const log = (message: string) => console.log(`[${id}] ${message}`);
  let release: Manifest;
  try {
    release = readCurrentRelease(dir);
  } catch (err) {
    // Exiting non-zero lets the supervisor's back-off handle a broken release like any crash.
    console.error(`[${id}] ${(err as Error).message}`);
    process.exit(1);
  }
  const { version, fault = {} } = release;
  const startedAt = new Date().toISOString();
  const metrics = new RequestMetrics();
  const features = new FeatureSwitches(dir, log);
  const knownFeatures = fault.feature ? [fault.feature] : [];

  /** The "real" request: it carries the version's behaviour, so gates can see a bad release. */
  async function serveRequest(res: http.ServerResponse): Promise<void> {
    const start = process.hrtime.bigint();
    const faulty = fault.feature === undefined || features.isOn(fault.feature);
    if (faulty && fault.latencyMs) await new Promise((r) => setTimeout(r, fault.latencyMs));
    const failed = faulty && fault.errorRate !== undefined && Math.random() < fault.errorRate;
    res.writeHead(failed ? 500 : 200, { 'content-type': 'text/plain' });
    res.end(failed ? `${id} ${version}: injected error\n` : `${id} ${version}: ok\n`);
    metrics.observe(Number(process.hrtime.bigint() - start) / 1e9, failed);
  }

  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/') {
      void serveRequest(res);
    } else if (req.method === 'GET' && path === '/health') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'ok', id, version, startedAt, pid: process.pid, features: features.snapshot(knownFeatures) }));
    } else if (req.method === 'GET' && path === '/metrics') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(metrics.render(version));
    } else {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: `no route ${req.method} ${path}` }));
    }
  });

  let traffic: { stop(): void } = { stop() {} };
  let stopping = false;
  const shutdown = (reason: string, code = 0) => {
    if (stopping) return;
    stopping = true;
    log(`stopping (${reason})`);
    traffic.stop();
    server.close();
    server.closeAllConnections();
    // Exit promptly even if a slow (latency-faulted) handler is still sleeping.
    setImmediate(() => process.exit(code));
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  exitWithParent(() => shutdown('supervisor gone'));

  server.on('error', (err) => {
    console.error(`[${id}] cannot serve on 127.0.0.1:${port}: ${err.message}`);
    process.exit(1);
  });
  // A slow-booting version (fault.startDelayMs) answers nothing until it is up, like a service warming its caches.
  if (fault.startDelayMs) log(`starting ${version} (slow boot: ${fault.startDelayMs} ms)`);
  setTimeout(() => server.listen(port, '127.0.0.1', onListening), fault.startDelayMs ?? 0);
  function onListening() {
    log(`serving ${version} on http://127.0.0.1:${port} (pid ${process.pid})`);
    try {
      recordBoot(dir, { at: startedAt, version, pid: process.pid });
    } catch (err) {
      // The boot log is evidence for tests, not part of serving: a full disk must not stop the target.
      console.error(`[${id}] cannot record this boot: ${(err as Error).message}`);
    }
    traffic = startSyntheticTraffic({ url: `http://127.0.0.1:${port}/`, requestsPerSecond: trafficRateFromEnv() });
    if (fault.crash) {
      setTimeout(() => {
        console.error(`[${id}] ${version} crashes (injected fault)`);
        process.exit(1);
      }, CRASH_AFTER_MS);
    }
  }
}

main();
