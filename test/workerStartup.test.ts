/**
 * What a worker process checks before its first poll, on the real dev server and a real
 * PostgreSQL: a file-ledger worker refuses to run beside others (exit 3, says to set
 * RAMPART_LEDGER_URL), Postgres-ledger workers run side by side, an unreachable ledger is exit 5
 * naming its address (never the password), a malformed URL exit 2 naming the variable and the rule.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { spawnSync } from 'node:child_process';
import { Client, Connection } from '@temporalio/client';
import { RolloutClient } from '../client/rolloutClient';
import { buildArtifact } from '../local/fleet/artifactBuild';
import { REPO_ROOT } from '../local/temporal/temporalBinaries';
import { dryRunFleet } from './helpers/dryRun';
import { fastPlaybook } from './helpers/fastPlaybook';
import { ProcessGroup, type ManagedProcess } from '../local/process/processes';
import { findFreePort } from '../local/process/ports';
import { nodeArgsForTs } from '../local/process/tsxCommand';
import { startWorkerProcess, stopWorkerProcess, WORKER_SCRIPT, type WorkerProcess } from '../local/stack/workerProcess';
import { RECHECK_AFTER_MS } from '../worker/sharedQueueCheck';
import { postgresUnavailable, startPostgres, type PostgresServer } from './helpers/postgresServer';
import { devServerAddress, uniqueTaskQueue } from './helpers/temporal';

const dir = mkdtempSync(path.join(os.tmpdir(), 'rampart-worker-startup-'));
const procs = new ProcessGroup();
const started: WorkerProcess[] = [];
let connection: Connection;
let logs = 0;

before(async () => {
  connection = await Connection.connect({ address: devServerAddress() });
});
after(async () => {
  await Promise.all(started.splice(0).map((w) => stopWorkerProcess(w.pid, 10_000)));
  await procs.stopAll();
  await connection.close();
  rmSync(dir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** A deadline that does not keep the test process alive once everything else is done. */
const deadline = (ms: number) => new Promise<undefined>((r) => setTimeout(() => r(undefined), ms).unref());

function envFor(taskQueue: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, TEMPORAL_ADDRESS: devServerAddress(), RAMPART_TASK_QUEUE: taskQueue, RAMPART_STATE_DIR: path.join(dir, `state-${taskQueue}`), ...extra };
  if (!extra.RAMPART_LEDGER_URL) delete env.RAMPART_LEDGER_URL;
  return env;
}

/** A worker through the local stack's starter: resolves once it polls. */
async function pollingWorker(env: NodeJS.ProcessEnv): Promise<WorkerProcess> {
  const worker = await startWorkerProcess({ env, cwd: dir, logFile: path.join(dir, `worker-${++logs}.log`), readyTimeoutMs: 120_000 });
  started.push(worker);
  return worker;
}

/** A worker expected to stop on its own: its exit code and everything it printed. */
async function exitingWorker(env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string; proc: ManagedProcess }> {
  const proc = procs.spawn(process.execPath, nodeArgsForTs(WORKER_SCRIPT), { name: `worker-${++logs}`, cwd: dir, env });
  const status = await Promise.race([proc.exited, deadline(120_000)]);
  assert.ok(status, `the worker should have exited; it printed:\n${proc.output()}`);
  return { code: (await proc.exited).code, output: proc.output(), proc };
}

/** Identities the server lists as polling the queue (workflow or activity tasks). */
async function pollerIdentities(taskQueue: string): Promise<string[]> {
  const identities = new Set<string>();
  for (const taskQueueType of [1, 2]) {
    const { pollers } = await connection.workflowService.describeTaskQueue({ namespace: 'default', taskQueue: { name: taskQueue, kind: 1 }, taskQueueType });
    for (const p of pollers ?? []) identities.add(p.identity ?? '');
  }
  return [...identities].sort();
}

const isRunning = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('workers with the file ledger', () => {
  test('a second one on the queue refuses (exit 3, says to set RAMPART_LEDGER_URL); the first keeps running; a restart after a crash is not refused', async () => {
    const taskQueue = uniqueTaskQueue('file-ledger');
    const first = await pollingWorker(envFor(taskQueue));
    const firstIdentity = `${first.pid}@${os.hostname()} ledger=file`;
    assert.deepEqual(await pollerIdentities(taskQueue), [firstIdentity]);

    const second = await exitingWorker(envFor(taskQueue));
    assert.equal(second.code, 3, second.output);
    assert.match(second.output, new RegExp(`refusing to run: another worker polls task queue "${taskQueue}" \\(${firstIdentity}, last poll \\d+ s ago\\)`));
    assert.match(second.output, /exactly-once ledger in local files \(.*notifications\.jsonl\)/);
    assert.match(second.output, /Set RAMPART_LEDGER_URL=postgres:\/\/user:password@host:5432\/database on every worker of this task queue/);
    assert.doesNotMatch(second.output, /polling task queue|at .*\.ts:\d+/, 'it never polled, and no stack trace');
    assert.deepEqual(await pollerIdentities(taskQueue), [firstIdentity], 'the refused worker never polled');

    // The first worker looks once more RECHECK_AFTER_MS after it started polling; the refused one never polled, so it stays.
    await sleep(RECHECK_AFTER_MS + 1_000);
    assert.ok(isRunning(first.pid), 'the first worker keeps running');

    // Killed outright, it stays in the server's poller list for minutes; its restart on this host must not be refused.
    process.kill(-first.pid, 'SIGKILL');
    for (let i = 0; i < 100 && isRunning(first.pid); i++) await sleep(50);
    const restarted = await pollingWorker(envFor(taskQueue));
    assert.ok((await pollerIdentities(taskQueue)).includes(`${restarted.pid}@${os.hostname()} ledger=file`));
  });

  test('two started at the same moment: exactly one keeps running, the other exits 3', async () => {
    const taskQueue = uniqueTaskQueue('file-ledger-race');
    const [a, b] = [0, 1].map(() => procs.spawn(process.execPath, nodeArgsForTs(WORKER_SCRIPT), { name: `worker-${++logs}`, cwd: dir, env: envFor(taskQueue) }));
    // Either one refuses before polling, or both poll and one gives way at the second look.
    const firstExit = await Promise.race([a!.exited.then((s) => ({ who: a!, s })), b!.exited.then((s) => ({ who: b!, s })), deadline(150_000)]);
    assert.ok(firstExit, `one of them should have exited; they printed:\n${a!.output()}\n${b!.output()}`);
    assert.equal(firstExit.s.code, 3, firstExit.who.output());
    assert.match(firstExit.who.output(), /refusing to run: another worker polls task queue/);
    const survivor = firstExit.who === a ? b! : a!;
    await survivor.waitForOutput(/polling task queue/, 120_000);
    await sleep(RECHECK_AFTER_MS + 1_000);
    assert.ok(survivor.running, `the other keeps running:\n${survivor.output()}`);
    assert.deepEqual(await pollerIdentities(taskQueue).then((ids) => ids.filter((id) => id.startsWith(`${survivor.pid}@`))).then((ids) => ids.length), 1);
  });
});

describe('workers with the Postgres ledger', { skip: postgresUnavailable() }, () => {
  let pg: PostgresServer;
  before(async () => {
    pg = await startPostgres();
  });
  after(async () => {
    await Promise.all(started.splice(0).map((w) => stopWorkerProcess(w.pid, 10_000)));
    await pg?.stop();
  });

  test('two run side by side on one queue, neither refuses; a file-ledger worker joining them refuses, naming both', async () => {
    const taskQueue = uniqueTaskQueue('pg-ledger');
    const env = envFor(taskQueue, { RAMPART_LEDGER_URL: pg.url });
    const [one, two] = await Promise.all([pollingWorker(env), pollingWorker(env)]);
    const identities = [one.pid, two.pid].map((pid) => `${pid}@${os.hostname()} ledger=postgres`).sort();
    assert.deepEqual(await pollerIdentities(taskQueue), identities);

    const file = await exitingWorker(envFor(taskQueue));
    assert.equal(file.code, 3, file.output);
    assert.match(file.output, /refusing to run: 2 other workers poll task queue/);
    for (const identity of identities) assert.ok(file.output.includes(`${identity}, last poll`), file.output);

    await sleep(RECHECK_AFTER_MS + 1_000);
    assert.ok(isRunning(one.pid) && isRunning(two.pid), 'both Postgres-ledger workers keep running');
    assert.deepEqual(await pollerIdentities(taskQueue), identities);
  });
});

describe('a ledger URL the worker cannot use', () => {
  test('unreachable: exit 5 naming host:port or the socket path, never the password; nothing polled', async () => {
    const taskQueue = uniqueTaskQueue('pg-unreachable');
    const port = await findFreePort();
    const tcp = await exitingWorker(envFor(taskQueue, { RAMPART_LEDGER_URL: `postgres://rampart:s3cret-pw@127.0.0.1:${port}/rampart` }));
    assert.equal(tcp.code, 5, tcp.output);
    assert.match(tcp.output, new RegExp(`rampart worker: cannot reach the shared ledger \\(RAMPART_LEDGER_URL\\) at 127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`));
    assert.doesNotMatch(tcp.output, /s3cret-pw|at .*\.ts:\d+/, 'no password, no stack trace');

    const socketDir = path.join(dir, 'no-postgres-here');
    const socket = await exitingWorker(envFor(taskQueue, { RAMPART_LEDGER_URL: `postgres://rampart:s3cret-pw@${encodeURIComponent(socketDir)}/rampart` }));
    assert.equal(socket.code, 5, socket.output);
    assert.ok(socket.output.includes(`cannot reach the shared ledger (RAMPART_LEDGER_URL) at ${socketDir}/.s.PGSQL.5432: `), socket.output);
    assert.doesNotMatch(socket.output, /s3cret-pw/);
    assert.deepEqual(await pollerIdentities(taskQueue), [], 'neither worker polled');
  });

  test('malformed: exit 2 naming RAMPART_LEDGER_URL and the rule', async () => {
    const taskQueue = uniqueTaskQueue('pg-malformed');
    const cases: Array<[string, RegExp]> = [
      ['mysql://rampart@db:3306/rampart', /RAMPART_LEDGER_URL must start with postgres:\/\/ or postgresql:\/\/, e\.g\. postgres:\/\/rampart:secret@db\.internal:5432\/rampart \(got mysql:\/\/\)/],
      ['db.internal:5432', /RAMPART_LEDGER_URL must (start with postgres:\/\/|be a URL)/],
      ['postgres:///rampart', /RAMPART_LEDGER_URL must name the database host \(host:port, or a unix socket folder\)/],
    ];
    for (const [url, rule] of cases) {
      const run = await exitingWorker(envFor(taskQueue, { RAMPART_LEDGER_URL: url }));
      assert.equal(run.code, 2, `${url}: ${run.output}`);
      assert.match(run.output, rule, url);
      assert.doesNotMatch(run.output, /at .*\.ts:\d+/, 'no stack trace');
    }
    assert.deepEqual(await pollerIdentities(taskQueue), []);
  });
});

describe('a worker on a prebuilt workflow bundle (RAMPART_WORKFLOW_BUNDLE)', () => {
  test('a missing bundle is exit 2 naming the variable; one built by npm run bundle:workflows runs a rollout', async () => {
    const taskQueue = uniqueTaskQueue('bundle');
    const missing = await exitingWorker(envFor(taskQueue, { RAMPART_WORKFLOW_BUNDLE: path.join(dir, 'no-such-bundle.js') }));
    assert.equal(missing.code, 2);
    assert.match(missing.output, /RAMPART_WORKFLOW_BUNDLE: no file at .*no-such-bundle\.js; build it with npm run bundle:workflows/);
    assert.deepEqual(await pollerIdentities(taskQueue), [], 'nothing polled');

    const bundle = path.join(dir, 'workflow-bundle.js');
    const build = spawnSync(process.execPath, nodeArgsForTs(path.join(REPO_ROOT, 'scripts/bundleWorkflows.ts'), [bundle]), { encoding: 'utf8', timeout: 180_000 });
    assert.equal(build.status, 0, build.stderr);
    assert.match(build.stdout, /wrote .*workflow-bundle\.js \(\d+ KB\); start workers with RAMPART_WORKFLOW_BUNDLE=/);
    await pollingWorker(envFor(taskQueue, { RAMPART_WORKFLOW_BUNDLE: bundle }));
    const artifact = await buildArtifact({ version: '1.1.0', outDir: path.join(dir, 'bundle-artifact') });
    const rolloutId = `bundled-${taskQueue.slice(-8)}`;
    const status = await new RolloutClient(new Client({ connection }), taskQueue).run({
      rolloutId, playbook: fastPlaybook({}), fleet: dryRunFleet(rolloutId, 3), startedBy: 'alice',
      release: { version: '1.1.0', artifactPath: artifact.path, sha256: artifact.sha256, notes: 'prebuilt bundle' },
    });
    assert.equal(status.state, 'completed', status.outcome?.reason);
    assert.deepEqual(status.targets.map((t) => t.version), ['1.1.0', '1.1.0', '1.1.0']);
  });
});
