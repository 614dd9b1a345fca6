/**
 * `npx tsx scripts/screenshot-portal.ts [--out docs]`: the README's pictures of the status portal,
 * taken from real rollouts rather than drawn.
 *
 * It starts everything it needs on the local stack (local/stack/) and stops it all again: a
 * Temporal dev server in a temp folder, an in-process Rampart worker, an SMTP stand-in for customer
 * notices, two local fleets, and the portal. On the first fleet, release 3.2.0 of "Billing API" is built to fail half its requests:
 * its canary (an Early Access customer) trips the breaker, the playbook says hold, and customers
 * see an open incident. On the second, release 1.1.0 of "Rampart demo service" goes canary and
 * wave 1, then in wave 2 updates one customer and waits for another's maintenance window later
 * today. Then headless Chromium
 * takes OUT/portal.png (that release's page, desktop) and OUT/portal-phone.png (the list page at
 * 375 px, with the incident banner).
 */
import { RolloutClient } from '../client/rolloutClient';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { buildArtifact, type Fault } from '../local/fleet/artifactBuild';
import type { FleetUpResult } from '../local/fleet/localFleet';
import { LocalStack } from '../local/stack/localStack';
import { startPortal, type Portal } from '../client/portal/portalServer';
import type { PublicRelease } from '../domain/publicStatus';
import { DESKTOP, launchBrowser, PHONE } from '../test/helpers/browser';
import { fastPlaybook } from '../test/helpers/fastPlaybook';

const TASK_QUEUE = 'rampart-portal-screenshot';
const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

function log(line: string): void {
  process.stderr.write(`screenshot: ${line}\n`);
}

const alwaysOpen = () => DAYS.map((day) => ({ day, start: '00:00', duration: '24h' }));

/** A two-hour window starting at the next full hour at least three hours from now, every day. */
function laterToday(): { day: string; start: string; duration: string }[] {
  const at = new Date(Date.now() + 3 * 3_600_000);
  const start = `${String(at.getUTCHours()).padStart(2, '0')}:00`;
  return DAYS.map((day) => ({ day, start, duration: '2h' }));
}

/** The tests' fast playbook (1 s analysis), with a canary that bakes long enough to be seen. */
function playbook(component: string, onBreach: 'pause' | 'rollback'): Record<string, unknown> {
  return fastPlaybook({
    name: 'portal-screenshot',
    cadence: 'patch-tuesday',
    phases: { canary: { size: 1, bakeTime: '3s' }, waves: [{ size: '40%', bakeTime: '2s', maxParallel: 2 }, { size: '100%', bakeTime: '2s' }] },
    onBreach,
    customers: { component, noticeBefore: '0s', incidentUpdateEvery: '30m' },
  });
}

function customer(id: string, name: string, targets: string[], channel: 'early-access' | 'stable', windows = alwaysOpen()) {
  return { id, name, targets, channel, timeZone: 'UTC', contacts: { emails: [`ops@${id}.example`] }, maintenanceWindows: windows };
}

async function waitFor(portal: Portal, id: string, done: (r: PublicRelease) => boolean, what: string, timeoutMs = 120_000): Promise<PublicRelease> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const release = portal.tracker.release(id);
    if (release && done(release)) return release;
    if (Date.now() > deadline) throw new Error(`${id}: ${what} did not happen within ${timeoutMs} ms (now ${release ? JSON.stringify(release.steps.map((s) => s.stateLabel)) : 'unknown'})`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ args: process.argv.slice(2), options: { out: { type: 'string', default: 'docs' } }, strict: true });
  const outDir = path.resolve(values.out);
  mkdirSync(outDir, { recursive: true });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rampart-screenshot-'));
  // The artifacts are built below this folder: it is the in-process worker's artifact store.
  process.env.RAMPART_ARTIFACT_STORE ??= dir;
  process.env.RAMPART_STATE_DIR = path.join(dir, 'state');
  Runtime.install({ logger: new DefaultLogger('WARN') });

  const stack = await LocalStack.start({ dir, log });
  const cleanups: (() => Promise<unknown>)[] = [];
  try {
    log(`Temporal dev server at ${stack.server.address}`);
    const smtp = await stack.startSmtp({});
    Object.assign(process.env, { SMTP_URL: smtp.url, MAIL_FROM: 'updates@rampart.example' });
    await stack.startWorker({ taskQueue: TASK_QUEUE });
    const client = stack.client;

    const fleets: FleetUpResult[] = [];
    for (const [name, size, version] of [['billing', 4, '3.1.0'], ['demo', 10, '1.0.0']] as const) {
      fleets.push(await stack.startFleet({ name, size, version, internal: 0 }));
    }
    const [billing, demo] = fleets as [FleetUpResult, FleetUpResult];
    const ids = (fleet: FleetUpResult) => fleet.fleet.targets.map((t) => t.id);

    const rollouts = new RolloutClient(client, TASK_QUEUE);
    const start = async (rolloutId: string, fleet: FleetUpResult, version: string, book: Record<string, unknown>, customers: unknown, fault?: Fault) => {
      const artifact = await buildArtifact({ version, outDir: path.join(dir, 'artifacts', rolloutId), ...(fault ? { fault } : {}) });
      await rollouts.start({ rolloutId, playbook: book, fleet: fleet.fleet, release: { version, artifactPath: artifact.path, sha256: artifact.sha256, notes: `Release ${version}` }, startedBy: 'demo', customers });
      cleanups.unshift(() => rollouts.handle(rolloutId).terminate('screenshots taken').catch(() => undefined));
    };

    const billingCustomers = { customers: [customer('northwind', 'Northwind', [ids(billing)[0]!], 'early-access'), customer('contoso', 'Contoso', [ids(billing)[2]!], 'stable')] };
    const demoCustomers = {
      customers: [
        customer('acme', 'ACME Corp', [ids(demo)[0]!], 'early-access'),
        customer('globex', 'Globex', [ids(demo)[3]!, ids(demo)[4]!], 'stable'),
        customer('initech', 'Initech', [ids(demo)[8]!, ids(demo)[9]!], 'stable', laterToday()),
      ],
    };
    const portal = await startPortal({
      client,
      taskQueue: TASK_QUEUE,
      customers: [...billingCustomers.customers, ...demoCustomers.customers].map((c) => ({ id: c.id, name: c.name })),
      secret: randomBytes(24).toString('hex'),
      pollIntervalMs: 500,
    });
    cleanups.unshift(() => portal.close());
    log(`portal at ${portal.url}`);

    await start('billing-api-3.2.0', billing, '3.2.0', playbook('Billing API', 'pause'), billingCustomers, { errorRate: 0.5 });
    await waitFor(portal, 'billing-api-3.2.0', (r) => r.incident !== null, 'an open incident');
    log('billing-api-3.2.0 holds with an open incident');
    await start('demo-service-1.1.0', demo, '1.1.0', playbook('Rampart demo service', 'rollback'), demoCustomers);
    // Wave 2: Globex (always open) is updated, Initech waits for its window later today.
    await waitFor(portal, 'demo-service-1.1.0', (r) => r.steps[2]?.state === 'updating' && r.steps[2].done >= 2 && r.steps[2].window !== null, 'wave 2 waiting for a window');
    log('demo-service-1.1.0 waits in wave 2 for a maintenance window');

    const browser = await launchBrowser();
    cleanups.unshift(() => browser.close());
    const desktop = await browser.newPage({ viewport: DESKTOP, deviceScaleFactor: 1 });
    await desktop.goto(`${portal.url}/releases/demo-service-1.1.0`);
    await desktop.locator('.step').first().waitFor();
    await desktop.screenshot({ path: path.join(outDir, 'portal.png'), fullPage: true });
    const phone = await browser.newPage({ viewport: PHONE, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    await phone.goto(`${portal.url}/`);
    await phone.locator('.incident-banner').waitFor();
    await phone.screenshot({ path: path.join(outDir, 'portal-phone.png'), fullPage: true });
    log(`wrote ${path.join(outDir, 'portal.png')} and ${path.join(outDir, 'portal-phone.png')}`);
  } finally {
    for (const cleanup of cleanups) await cleanup().catch((err: unknown) => log(`cleanup: ${(err as Error).message}`));
    await stack.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    log((err as Error).stack ?? String(err));
    process.exit(1);
  },
);
