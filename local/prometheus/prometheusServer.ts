/**
 * A real Prometheus server, started by us on loopback, scraping the /metrics of the targets we name.
 * For tests, the demo and local runs; production points the health provider at its own Prometheus.
 *
 *   const prom = await startPrometheus({ dataDir, scrapeTargets: [{ id: 't-01', url: 'http://127.0.0.1:4001' }] });
 *   ... PromQL against prom.url ...
 *   await prom.stop();
 *
 * dataDir/
 *   prometheus.yml   the generated configuration (job "rampart", label target="<id>" per target)
 *   prometheus.log   the server's output
 *   tsdb/            its storage
 *
 * The binary is PROMETHEUS_BIN or /usr/bin/prometheus (Debian's `prometheus` package, installed by
 * .ci/run's APT_PACKAGES). It is never run as a system service: the process is ours, is stopped by
 * stop() (SIGTERM, then SIGKILL after a bounded wait) and is killed if this process exits first.
 */
import { accessSync, constants } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { spawnProcess, type ManagedProcess } from '../process/processes';
import { lastLines, NotReadyError, pollUntil } from '../process/readiness';

export const DEFAULT_PROMETHEUS_BIN = '/usr/bin/prometheus';
export const PROMETHEUS_JOB = 'rampart';

export interface ScrapeTarget {
  /** Becomes the `target` label of every series scraped from it. */
  id: string;
  /** The target's base URL (its /metrics is scraped) or the full URL of its metrics page. */
  url: string;
}

export interface StartPrometheusOptions {
  dataDir: string;
  /** Loopback port to listen on; default: one the kernel picks. */
  port?: number;
  scrapeTargets: ScrapeTarget[];
  /** Default 1000 ms. */
  scrapeIntervalMs?: number;
  /** Bound on the wait for /-/ready and for every target's first successful scrape; default 30 s. */
  readyTimeoutMs?: number;
  /** Wait until every target is scraped "up" (default true); false returns once /-/ready answers. */
  waitForTargets?: boolean;
}

export interface PrometheusServer {
  /** e.g. http://127.0.0.1:39651 */
  url: string;
  pid: number;
  configFile: string;
  logFile: string;
  /** SIGTERM, up to timeoutMs (default 10 s), then SIGKILL. Safe to call twice. */
  stop(timeoutMs?: number): Promise<void>;
}

/** The Prometheus binary to run, or a clear error saying how to get one. */
export function resolvePrometheusBinary(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.PROMETHEUS_BIN?.trim();
  const candidate = fromEnv || DEFAULT_PROMETHEUS_BIN;
  try {
    accessSync(candidate, constants.X_OK);
    return candidate;
  } catch {
    const where = fromEnv ? `PROMETHEUS_BIN=${fromEnv} is not an executable file` : `${DEFAULT_PROMETHEUS_BIN} is missing`;
    throw new Error(`${where}: install Prometheus with \`bash scripts/setup.sh\` (Debian package "prometheus"), or set PROMETHEUS_BIN to a prometheus binary`);
  }
}

/** The prometheus.yml for these targets: one job, one static_config per target carrying its labels. */
export function prometheusConfig(targets: ScrapeTarget[], scrapeIntervalMs: number): string {
  const seen = new Set<string>();
  const staticConfigs = targets.map(({ id, url }) => {
    if (!id) throw new Error('a scrape target needs a non-empty id');
    if (seen.has(id)) throw new Error(`scrape target id "${id}" appears twice`);
    seen.add(id);
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new Error(`scrape target ${id}: "${url}" is not a URL`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error(`scrape target ${id}: expected an http(s) URL, got "${url}"`);
    const path = parsed.pathname === '' || parsed.pathname === '/' ? '/metrics' : parsed.pathname;
    return {
      targets: [parsed.host],
      // Labels starting with __ configure the scrape of this one target (Prometheus' relabelling rules).
      labels: { target: id, __metrics_path__: path, __scheme__: parsed.protocol.slice(0, -1) },
    };
  });
  const interval = `${Math.max(100, Math.round(scrapeIntervalMs))}ms`;
  return stringify({
    global: { scrape_interval: interval, scrape_timeout: interval, evaluation_interval: interval },
    scrape_configs: [{ job_name: PROMETHEUS_JOB, honor_labels: false, static_configs: staticConfigs }],
  });
}

export async function startPrometheus(options: StartPrometheusOptions): Promise<PrometheusServer> {
  const binary = resolvePrometheusBinary();
  const dataDir = resolve(options.dataDir);
  const scrapeIntervalMs = options.scrapeIntervalMs ?? 1000;
  const readyTimeoutMs = options.readyTimeoutMs ?? 30_000;
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`port must be a whole number from 0 to 65535, got ${port}`);

  await mkdir(join(dataDir, 'tsdb'), { recursive: true });
  const configFile = join(dataDir, 'prometheus.yml');
  const logFile = join(dataDir, 'prometheus.log');
  await writeFile(configFile, prometheusConfig(options.scrapeTargets, scrapeIntervalMs));

  const child = spawnProcess(binary, [
    `--config.file=${configFile}`,
    `--storage.tsdb.path=${join(dataDir, 'tsdb')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--web.enable-lifecycle',
    // Debian's defaults point at /etc/prometheus; nothing of ours lives there.
    `--web.console.templates=${join(dataDir, 'consoles')}`,
    `--web.console.libraries=${join(dataDir, 'console_libraries')}`,
  ], { name: 'prometheus', cwd: dataDir, logFile });
  const server = new RunningPrometheus(child, configFile, logFile);
  try {
    const deadline = Date.now() + readyTimeoutMs;
    const address = await server.waitForListenAddress(deadline);
    server.url = `http://${address}`;
    await server.waitUntil(deadline, 'answer /-/ready', async () => (await get(`${server.url}/-/ready`, 1000)).status === 200);
    if (options.waitForTargets ?? true) {
      const ids = new Set(options.scrapeTargets.map((t) => t.id));
      let pending = [...ids];
      await server.waitUntil(deadline, () => `scrape ${pending.join(', ')} successfully`, async () => {
        pending = await targetsNotUp(server.url, ids);
        return pending.length === 0;
      });
    }
    return server.handle();
  } catch (err) {
    await server.stop(5000);
    throw err;
  }
}

/** Ids among `ids` whose last scrape was not healthy, per /api/v1/targets. */
async function targetsNotUp(url: string, ids: Set<string>): Promise<string[]> {
  const res = await get(`${url}/api/v1/targets?state=active`, 2000);
  if (res.status !== 200) return [...ids];
  const body = JSON.parse(res.text) as { data?: { activeTargets?: { labels?: Record<string, string>; health?: string }[] } };
  const up = new Set((body.data?.activeTargets ?? []).filter((t) => t.health === 'up').map((t) => t.labels?.target));
  return [...ids].filter((id) => !up.has(id));
}

/** A Prometheus we started: stopped by stop(), and (process helper) killed if this process exits first. */
class RunningPrometheus {
  url = '';

  constructor(
    private readonly child: ManagedProcess,
    readonly configFile: string,
    readonly logFile: string,
  ) {}

  handle(): PrometheusServer {
    return { url: this.url, pid: this.child.pid!, configFile: this.configFile, logFile: this.logFile, stop: (ms) => this.stop(ms) };
  }

  async stop(timeoutMs = 10_000): Promise<void> {
    if (!this.child.running) return;
    await this.child.stopped(timeoutMs);
    if (this.child.running) throw new Error(`prometheus (pid ${this.child.pid}) did not exit after SIGKILL`);
  }

  async waitForListenAddress(deadline: number): Promise<string> {
    let address: string | undefined;
    await this.waitUntil(deadline, 'log the address it listens on', async () => {
      address = /msg="Listening on" address=(\S+)/.exec(this.child.output())?.[1];
      return address !== undefined;
    });
    return address!;
  }

  /** Polls `ready` every 200 ms until it holds, the process exits, or the deadline passes. */
  async waitUntil(deadline: number, what: string | (() => string), ready: () => Promise<boolean>): Promise<void> {
    const means = () => (typeof what === 'string' ? what : what());
    await pollUntil(async () => ((await ready()) ? true : undefined), {
      timeoutMs: Math.max(0, deadline - Date.now()),
      pollMs: 200,
      failFast: () => (this.child.running ? undefined : this.failure(`exited (${this.child.describeExit()}) before it could ${means()}`)),
      onTimeout: () => new NotReadyError(this.failure(`did not ${means()} in time`), this.logFile),
    });
  }

  private failure(message: string): string {
    return `prometheus (pid ${this.child.pid ?? '?'}) ${message}; last lines of ${this.logFile}:\n${lastLines(this.child.output(), 15)}`;
  }
}

function get(url: string, timeoutMs: number): Promise<{ status: number; text: string }> {
  return new Promise((ok, fail) => {
    const req = http.get(url, { agent: false, timeout: timeoutMs }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => ok({ status: res.statusCode ?? 0, text }));
      res.on('error', fail);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out after ${timeoutMs} ms`)));
    req.on('error', fail);
  });
}
