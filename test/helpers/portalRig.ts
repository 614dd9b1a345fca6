/**
 * What the portal tests share: a real local fleet and worker on the dev server (RolloutHarness),
 * a real SMTP stand-in for customer notices, the status portal itself on port 0, and plain HTTP
 * requests with whatever headers a test needs (fetch would refuse to forge an Origin).
 */
import http from 'node:http';
import { startSmtpServer, type SmtpStandin } from '../../local/standins/smtpServer';
import { customerToken } from '../../client/portal/customerTokens';
import { startPortal, type Portal } from '../../client/portal/portalServer';
import type { Fault } from '../../local/fleet/artifactBuild';
import type { RolloutStatus } from '../../domain/rolloutStatus';
import { fastPlaybook, RolloutHarness } from './rolloutHarness';

export const PORTAL_SECRET = 'portal-test-secret-0123456789abcdef';
export const COMPONENT = 'Rampart portal test service';

/** A 24-hour window on each of the seven days: a customer whose window is always open. */
export function alwaysOpen(): { day: string; start: string; duration: string }[] {
  return ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((day) => ({ day, start: '00:00', duration: '24h' }));
}

/**
 * Two customers on a 4-target fleet: ACME (Early Access: the canary) owns the third target,
 * Globex (Stable: the last wave) the fourth. The first two belong to nobody.
 */
export function customersFor(targetIds: string[]) {
  // Many rollouts a run, and the weekly cap on routine notices counts them all: lift it.
  const often = { routineNoticesPerWeek: 50 };
  return {
    customers: [
      { id: 'acme', name: 'ACME Corp', targets: [targetIds[2]], channel: 'early-access', timeZone: 'UTC', contacts: { emails: ['ops@acme.example'] }, maintenanceWindows: alwaysOpen(), ...often },
      { id: 'globex', name: 'Globex', targets: [targetIds[3]], channel: 'stable', timeZone: 'UTC', contacts: { emails: ['it@globex.example'] }, maintenanceWindows: alwaysOpen(), ...often },
    ],
  };
}

export function portalPlaybook(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return fastPlaybook({ customers: { component: COMPONENT, noticeBefore: '0s', incidentUpdateEvery: '1m' }, ...overrides });
}

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  json: any;
}

export function request(url: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
  return new Promise((ok, fail) => {
    const req = http.request(url, { method: options.method ?? 'GET', headers: options.headers, agent: false, timeout: 30_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => {
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        ok({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
    });
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', fail);
    req.end(options.body);
  });
}

export class PortalRig {
  readonly h = new RolloutHarness();
  smtp!: SmtpStandin;
  portal!: Portal;
  customers!: ReturnType<typeof customersFor>;

  async start(): Promise<void> {
    this.smtp = await startSmtpServer({});
    Object.assign(process.env, { SMTP_URL: this.smtp.url, MAIL_FROM: 'updates@rampart.example' });
    await this.h.start({ size: 4 });
    this.customers = customersFor(this.targetIds());
    this.portal = await startPortal({
      client: this.h.client,
      taskQueue: this.h.taskQueue,
      customers: this.customers.customers.map((c) => ({ id: c.id, name: c.name })),
      secret: PORTAL_SECRET,
      port: 0,
      pollIntervalMs: 500,
      heartbeatMs: 1_000,
    });
  }

  async stop(): Promise<void> {
    await this.portal?.close();
    await this.h.stop();
    await this.smtp?.close();
  }

  targetIds(): string[] {
    return this.h.fleet.fleet.targets.map((t) => t.id);
  }

  /** Every address a fleet target answers at: none may appear on a public page. */
  targetUrls(): string[] {
    return this.h.fleet.fleet.targets.flatMap((t) => ('url' in t && typeof t.url === 'string' ? [t.url, new URL(t.url).host] : []));
  }

  token(customerId: string): string {
    return customerToken(PORTAL_SECRET, customerId);
  }

  get rollouts() {
    return this.h.rollouts;
  }

  async startRollout(rolloutId: string, options: { version: string; fault?: Fault; playbook?: Record<string, unknown> }) {
    const artifact = await this.h.artifact(options.version, options.fault);
    const input = { ...this.h.input(rolloutId, options.playbook ?? portalPlaybook(), artifact, options.version), customers: this.customers };
    return this.h.startRollout(input);
  }

  get(path: string, headers: Record<string, string> = {}): Promise<Reply> {
    return request(`${this.portal.url}${path}`, { headers });
  }

  /** Waits (bounded) until the portal's public JSON for a release satisfies `done`. */
  async waitForRelease(id: string, done: (release: any) => boolean, timeoutMs = 60_000): Promise<any> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const reply = await this.get(`/api/releases/${encodeURIComponent(id)}`);
      if (reply.status === 200 && done(reply.json)) return reply.json;
      if (Date.now() > deadline) throw new Error(`release ${id} not as expected within ${timeoutMs} ms: ${reply.status} ${reply.text.slice(0, 500)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  status(id: string): Promise<RolloutStatus> {
    return this.h.status(id);
  }
}
