/**
 * `rampart rollout list` and `rampart incident list` on the real dev server, through Temporal
 * visibility: real rollouts (one completed, one held by a stop, one running, one terminated behind
 * Rampart's back) are filtered by state, playbook and version with the right rows; an open
 * incident is listed. On a dev server started without Rampart's search attributes, the worker
 * refuses to start (exit 7, naming `rampart server setup`), the list says the same, and the
 * setup registers them once: run again, it changes nothing.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SEARCH_ATTRIBUTE_LIST } from '../contract/searchAttributes';
import { checkSearchAttributes } from '../contract/searchAttributeRegistry';
import { NotSetUpError } from '../client/notSetUp';
import { findFreePort, startDevServer, stopDevServer } from '../local/temporal/devServer';
import { ProcessGroup } from '../local/process/processes';
import { nodeArgsForTs } from '../local/process/tsxCommand';
import { WORKER_SCRIPT } from '../local/stack/workerProcess';
import { Client, Connection } from '@temporalio/client';
import { RolloutClient } from '../client/rolloutClient';
import { LISTED_ROLLOUT_STATES, listRollouts } from '../client/rolloutList';
import { LISTED_INCIDENT_STATES, listIncidents } from '../client/incidentList';
import { rampart } from './helpers/cli';
import { dryRunFleet } from './helpers/dryRun';
import { fastPlaybook, RolloutHarness } from './helpers/rolloutHarness';
import { bundleWorkflows, devServerAddress } from './helpers/temporal';
import { replayAndRecord } from './replayFixtures';

const quick = fastPlaybook({ name: 'list-quick', phases: { canary: { size: 1, bakeTime: '1s' }, waves: [{ size: '100%', bakeTime: '1s' }] } });
const slow = fastPlaybook({ name: 'list-slow', phases: { canary: { size: 1, bakeTime: '10m' }, waves: [{ size: '100%', bakeTime: '1s' }] } });

interface Row { rolloutId: string; state: string; playbook: string | null; version: string | null; step: string | null; why: string | null; endedAt: string | null }

describe('rollout list and incident list (dev server)', () => {
  const h = new RolloutHarness();
  let env: Record<string, string>;
  const id = (name: string) => `${name}-${h.taskQueue.slice(-8)}`;

  /** The list as a script reads it, polled (bounded) until `ready`: visibility lags the workflow a moment. */
  async function listed(args: string[], ready: (rows: Row[]) => boolean): Promise<Row[]> {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const out = await rampart(['rollout', 'list', ...args, '--json'], env);
      assert.equal(out.code, 0, out.stderr);
      const rows = (JSON.parse(out.stdout) as { rollouts: Row[] }).rollouts;
      if (ready(rows) || Date.now() > deadline) return rows;
      await new Promise((r) => setTimeout(r, 300));
    }
  }
  const ids = (rows: Row[]) => rows.map((r) => r.rolloutId).sort();

  before(async () => {
    await h.start({ size: 0 });
    env = { TEMPORAL_ADDRESS: devServerAddress(), RAMPART_TASK_QUEUE: h.taskQueue };
    const [v2, v3] = await Promise.all([h.artifact('2.0.0'), h.artifact('3.0.0')]);
    const start = (name: string, playbook: Record<string, unknown>, artifact: { path: string; sha256: string }, version: string) =>
      h.startRollout(h.input(id(name), playbook, artifact, version, dryRunFleet(id(name), 2)));
    await Promise.all([start('done', quick, v2, '2.0.0'), start('held', slow, v2, '2.0.0'), start('running', slow, v3, '3.0.0'), start('cut', slow, v3, '3.0.0'), start('paused', slow, v3, '3.0.0')]);
    const baking = (s: { state: string; step: string | null }) => s.state === 'running' && s.step === 'canary';
    await Promise.all([
      h.waitFor(id('done'), (s) => s.state === 'completed'),
      h.waitFor(id('held'), baking).then(() => h.rollouts.stop(id('held'), { by: 'olga', reason: 'checking the dashboards', then: 'hold' })).then(() => h.waitFor(id('held'), (s) => s.state === 'held')),
      h.waitFor(id('running'), baking),
      h.waitFor(id('cut'), baking).then(() => h.rollouts.handle(id('cut')).terminate('test ends it outside Rampart')),
      h.waitFor(id('paused'), baking).then(() => h.rollouts.pause(id('paused'), { by: 'sam', reason: 'waiting for the EU morning' })),
    ]);
  });
  after(async () => {
    for (const name of ['held', 'running', 'paused']) await h.rollouts.handle(id(name)).terminate('test over').catch(() => undefined);
    await h.stop();
  });

  test('every rollout of the task queue with its state; filters by state, playbook and version', async () => {
    const all = await listed([], (rows) => rows.length === 5 && ['held', 'terminated', 'paused'].every((state) => rows.some((r) => r.state === state)));
    assert.deepEqual(all.map((r) => r.endedAt === null), [true, true, true, false, false], 'the ones still running (held and paused included) come first');
    const byId = Object.fromEntries(all.map((r) => [r.rolloutId, r]));
    assert.equal(byId[id('done')]?.state, 'completed');
    assert.ok(byId[id('done')]?.endedAt, 'a closed rollout shows when it ended');
    assert.equal(byId[id('held')]?.state, 'held');
    assert.match(byId[id('held')]?.why ?? '', /targets held as they are; emergency stop by olga: checking the dashboards/, 'a held rollout says why, and who stopped it');
    assert.equal(byId[id('running')]?.state, 'running');
    assert.equal(byId[id('running')]?.step, 'canary');
    assert.equal(byId[id('running')]?.playbook, 'list-slow');
    assert.equal(byId[id('running')]?.version, '3.0.0');
    assert.equal(byId[id('cut')]?.state, 'terminated', 'ended outside Rampart: Temporal\'s word, not the last state written');
    assert.match(byId[id('cut')]?.why ?? '', /terminated outside Rampart while running/);

    // Independent reads side by side: each CLI call is a process start.
    const [held, running, v2, quickOnes, ended, paused, awaiting] = await Promise.all([
      listed(['--state', 'held'], (r) => r.length === 1),
      listed(['--state', 'running', '--playbook', 'list-slow'], (r) => r.length === 1),
      listed(['--version', '2.0.0'], (r) => r.length === 2),
      listed(['--playbook', 'list-quick'], (r) => r.length === 1),
      listed(['--state', 'completed,terminated'], (r) => r.length === 2),
      listed(['--state', 'paused'], (r) => r.length === 1),
      listed(['--state', 'awaiting_approval'], (r) => r.length === 0),
    ]);
    assert.deepEqual(ids(held), [id('held')]);
    assert.deepEqual(ids(running), [id('running')], 'terminated and held ones are not running');
    assert.deepEqual(ids(v2), [id('done'), id('held')].sort());
    assert.deepEqual(ids(quickOnes), [id('done')]);
    assert.deepEqual(ids(ended), [id('cut'), id('done')].sort());
    assert.deepEqual(ids(paused), [id('paused')]);
    assert.match(paused[0]?.why ?? '', /^by sam: waiting for the EU morning$/, 'a paused rollout says who paused it and why');
    assert.deepEqual(awaiting, []);
  });

  test('a rollout no worker has picked up yet is listed by playbook and version from its start, state unknown', async () => {
    const idleQueue = `${h.taskQueue}-idle`;
    // An unparsable fleet takes no lease (that needs a worker): the start alone is what is listed.
    const input = h.input(id('idle'), quick, { path: '/nowhere.tar.gz', sha256: '0'.repeat(64) }, '4.0.0', { unparsable: true });
    await new RolloutClient(h.client, idleQueue).start(input);
    try {
      const out = await rampart(['rollout', 'list', '--playbook', 'list-quick', '--json'], { ...env, RAMPART_TASK_QUEUE: idleQueue });
      assert.equal(out.code, 0, out.stderr);
      const [row, ...rest] = (JSON.parse(out.stdout) as { rollouts: Row[] }).rollouts;
      assert.deepEqual(rest, []);
      assert.deepEqual([row?.rolloutId, row?.state, row?.playbook, row?.version], [id('idle'), 'unknown', 'list-quick', '4.0.0']);
      assert.match(row?.why ?? '', /no state listed yet \(no worker has picked it up/);
    } finally {
      await h.rollouts.handle(id('idle')).terminate('test over').catch(() => undefined);
    }
  });

  test('the table for humans: one row per rollout, states in capitals, the reason beside a held one', async () => {
    const out = await rampart(['rollout', 'list', '--state', 'held,running'], env);
    assert.equal(out.code, 0, out.stderr);
    const lines = out.stdout.trim().split('\n');
    assert.match(lines[0] ?? '', /^ROLLOUT\s+STATE\s+PLAYBOOK\s+VERSION\s+STEP\s+STARTED\s+WHY$/);
    assert.equal(lines.length, 3);
    assert.match(out.stdout, new RegExp(`${id('held')}\\s+HELD\\s+list-slow\\s+2\\.0\\.0\\s+canary\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ\\s+\\S`));
    const none = await rampart(['rollout', 'list', '--playbook', 'nobody-runs-this'], env);
    assert.equal(none.code, 0);
    assert.match(none.stdout, /^no rollouts on task queue \S+ match$/m);
  });

  test('every --state value is a query the server takes (each state alone and all together)', async () => {
    for (const state of LISTED_ROLLOUT_STATES) await listRollouts(h.client, h.taskQueue, { states: [state] }, 5);
    const every = await listRollouts(h.client, h.taskQueue, { states: [...LISTED_ROLLOUT_STATES] }, 50);
    assert.equal(every.rollouts.length, 5, 'every rollout is in one of the states');
    for (const state of LISTED_INCIDENT_STATES) await listIncidents(h.client, h.taskQueue, { states: [state], severity: 'sev1' }, 5);
  });

  test('bad flags are exit 2 naming the flag and the allowed values; nothing is read', async () => {
    const [state, version, incident] = await Promise.all([
      rampart(['rollout', 'list', '--state', 'stuck'], env),
      rampart(['rollout', 'list', '--version', "1' OR '1'='1"], env),
      rampart(['incident', 'list', '--state', 'closed'], env),
    ]);
    assert.equal(state.code, 2);
    assert.match(state.stderr, /--state: unknown state "stuck": expected one of queued, running, awaiting_approval, paused, frozen, stopping, held, rolling_back, completed, rolled_back, rollback_incomplete, failed, terminated, cancelled, timed_out/);
    assert.equal(version.code, 2);
    assert.match(version.stderr, /--version: expected a version/);
    assert.equal(incident.code, 2);
    assert.match(incident.stderr, /--state: unknown state "closed": expected one of open, acknowledged, resolved, terminated, cancelled, timed_out, failed/);
  });

  test('incident list shows an open incident with its severity and summary; --state resolved leaves it out', async () => {
    const policy = h.writeFile('escalation.yaml', [
      'policies:',
      '  - name: all',
      '    severities: [sev1, sev2, sev3, sev4]',
      '    tiers:',
      '      - { name: on-call, ackDeadline: 10m, people: [{ name: olga }] }',
    ].join('\n'));
    const opened = await rampart(['incident', 'open', '--severity', 'sev2', '--summary', 'checkout errors in eu-west', '--policy', policy, '--by', 'support', '--json'], env);
    assert.equal(opened.code, 0, opened.stderr);
    const { incidentId } = JSON.parse(opened.stdout) as { incidentId: string };
    try {
      const deadline = Date.now() + 15_000;
      let rows: { incidentId: string; state: string; severity: string; summary: string; paged: string | null }[] = [];
      while (Date.now() < deadline) {
        const out = await rampart(['incident', 'list', '--state', 'open', '--json'], env);
        assert.equal(out.code, 0, out.stderr);
        rows = JSON.parse(out.stdout).incidents;
        if (rows.some((r) => r.paged !== null)) break;
        await new Promise((r) => setTimeout(r, 300));
      }
      assert.deepEqual(rows.map((r) => [r.incidentId, r.state, r.severity, r.summary, r.paged]), [[incidentId, 'open', 'sev2', 'checkout errors in eu-west', 'on-call']]);
      const table = await rampart(['incident', 'list'], env);
      assert.match(table.stdout, new RegExp(`^${incidentId}\\s+OPEN\\s+sev2\\s+on-call\\s+\\S+ \\S+\\s+checkout errors in eu-west$`, 'm'));
      const resolved = await rampart(['incident', 'list', '--state', 'resolved', '--json'], env);
      assert.deepEqual(JSON.parse(resolved.stdout).incidents, []);
      // Histories with their search-attribute upserts replay (kept as fixtures with RAMPART_RECORD_HISTORIES=1).
      const found = await replayAndRecord(h.client, await bundleWorkflows(require.resolve('../workflows')), [
        { workflowId: id('done'), file: 'rollout-listed-completed' },
        { workflowId: id('held'), file: 'rollout-listed-held' },
        { workflowId: incidentId, file: 'incident-listed-open' },
      ]);
      assert.equal(found.length, 3, found.join(', '));
    } finally {
      await h.client.workflow.getHandle(incidentId).terminate('test over').catch(() => undefined);
    }
  });
});

describe('a cluster without Rampart\'s search attributes', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rampart-bare-'));
  const procs = new ProcessGroup();
  let env: Record<string, string>;
  let address: string;
  before(async () => {
    const server = await startDevServer({ dataDir: dir, port: await findFreePort(), ui: false, searchAttributes: false });
    address = server.address;
    env = { TEMPORAL_ADDRESS: address, RAMPART_TASK_QUEUE: 'bare', RAMPART_STATE_DIR: path.join(dir, 'state') };
  });
  after(async () => {
    await procs.stopAll();
    await stopDevServer(dir);
    rmSync(dir, { recursive: true, force: true });
  });

  test('the worker refuses to start (exit 7, naming the setup command); the list says the same; setup registers them once', async () => {
    const worker = procs.spawn(process.execPath, nodeArgsForTs(WORKER_SCRIPT), { name: 'bare-worker', cwd: dir, env: { ...process.env, ...env } });
    const { code } = await worker.exited;
    assert.equal(code, 7, `${worker.describeExit()} ${worker.logFile}: ${worker.output()}`);
    assert.match(worker.output(), /rampart worker: refusing to start: namespace default lacks RampartRolloutState, RampartPlaybook, .*: Rampart's search attributes .* Run "rampart server setup" once against this cluster/);

    // A start that carries them is refused by the server: the client says what to run, nothing started.
    const early = await Connection.connect({ address });
    try {
      const input = { rolloutId: 'bare-1', playbook: { name: 'x' }, fleet: { unparsable: true }, release: { version: '1.0.0', artifactPath: '/nowhere', sha256: '0'.repeat(64), notes: '' }, startedBy: 'alice' };
      const rollouts = new RolloutClient(new Client({ connection: early }), 'bare');
      await assert.rejects(rollouts.start(input), (err: Error) => err instanceof NotSetUpError && /lacks RampartRolloutState.*rampart server setup/.test(err.message));
      await assert.rejects(rollouts.describe('bare-1'), /no rollout with id "bare-1"/);
    } finally {
      await early.close();
    }
    // A filter on an attribute the namespace does not know is refused by the server: the list says why.
    const list = await rampart(['rollout', 'list', '--state', 'held'], env);
    assert.equal(list.code, 7, list.stderr);
    assert.match(list.stderr, /lacks RampartRolloutState.*rampart server setup/);

    const first = await rampart(['server', 'setup', '--json'], env);
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual(JSON.parse(first.stdout).added, SEARCH_ATTRIBUTE_LIST.map((k) => k.name));
    const second = await rampart(['server', 'setup'], env);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /^all 6 of Rampart's search attributes are registered in namespace default; nothing changed$/m);
    const connection = await Connection.connect({ address });
    try {
      assert.deepEqual(await checkSearchAttributes(connection, 'default'), { missing: [], wrongType: [] });
    } finally {
      await connection.close();
    }
    const listed = await rampart(['rollout', 'list', '--state', 'held'], env);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /^no rollouts on task queue bare match$/m);
  });
});
