import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { LATENCY_BUCKETS_S } from '../../domain/metrics';

/** The traffic of one analysis window as a scripted target reports it. */
export interface ScriptedWindow {
  requests: number;
  errors: number;
}

export const GOOD: ScriptedWindow = { requests: 100, errors: 0 };
export const BAD: ScriptedWindow = { requests: 100, errors: 50 };

/**
 * A real HTTP target speaking Rampart's webhook protocol (POST install/rollback/feature, GET
 * /health and /metrics) whose health is a script, not a clock: the n-th read of /metrics after
 * the first adds `windows[n-1]` (the last one repeats) to its counters, so each analysis window
 * of a gate sees exactly the traffic the test wrote, however fast the time-skipping server runs.
 * `refuseRollback`: answers a rollback with 409, the final refusal of a system that cannot go
 * back (its rollback then cannot be verified). Signatures are the adapter's business, tested
 * elsewhere; this one does not check them.
 */
export class ScriptedTarget {
  version: string;
  windows: ScriptedWindow[];
  refuseRollback: boolean;
  reads = 0;
  readonly commands: { action: string; version?: string }[] = [];
  private requests = 0;
  private errors = 0;
  private server!: http.Server;
  url = '';

  constructor(readonly id: string, options: { version: string; windows?: ScriptedWindow[]; refuseRollback?: boolean }) {
    this.version = options.version;
    this.windows = options.windows ?? [GOOD];
    this.refuseRollback = options.refuseRollback ?? false;
  }

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => void this.answer(req, res));
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** The fleet entry of this target. */
  target(secretEnv: string) {
    return { id: this.id, adapter: 'webhook' as const, url: `${this.url}/deploy`, healthUrl: this.url, secretEnv, labels: {} };
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async answer(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const reply = (status: number, body: unknown, type = 'application/json') => {
      res.writeHead(status, { 'content-type': type });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    if (req.method === 'GET' && req.url === '/health') return reply(200, { status: 'ok', id: this.id, version: this.version });
    if (req.method === 'GET' && req.url === '/metrics') return reply(200, this.metrics(), 'text/plain');
    if (req.method !== 'POST' || req.url !== '/deploy') return reply(404, { error: 'not found' });
    let text = '';
    for await (const chunk of req) text += chunk;
    const command = JSON.parse(text) as { action: string; version?: string; feature?: string; enabled?: boolean };
    this.commands.push({ action: command.action, ...(command.version ? { version: command.version } : {}) });
    if (command.action === 'feature') return reply(200, { feature: command.feature, enabled: command.enabled, replayed: false });
    if (command.action === 'rollback' && this.refuseRollback) {
      return reply(409, { error: 'cannot roll back: the new version migrated the data one way' });
    }
    const previousVersion = this.version;
    this.version = command.version as string;
    return reply(200, { version: this.version, previousVersion, replayed: false });
  }

  private metrics(): string {
    if (this.reads > 0) {
      const window = this.windows[Math.min(this.reads - 1, this.windows.length - 1)] as ScriptedWindow;
      this.requests += window.requests;
      this.errors += window.errors;
    }
    this.reads++;
    // Every request answered within 5 ms: latency is never what these scripts are about.
    const buckets = LATENCY_BUCKETS_S.map((le) => `http_request_duration_seconds_bucket{le="${le}"} ${this.requests}`);
    return [
      `http_requests_total ${this.requests}`,
      `http_request_errors_total ${this.errors}`,
      ...buckets,
      `http_request_duration_seconds_bucket{le="+Inf"} ${this.requests}`,
      `app_info{version="${this.version}"} 1`,
      '',
    ].join('\n');
  }
}
