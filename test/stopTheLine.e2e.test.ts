import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { changeControlWorkflowId } from '../contract/ids';
import { WorkflowType } from '../contract/workflowTypes';
import type { Fleet } from '../domain/fleet';
import { rampart } from './helpers/cli';
import { FROM_VERSION, RolloutHarness, fastPlaybook } from './helpers/rolloutHarness';
import { bundleWorkflows, devServerAddress } from './helpers/temporal';
import { replayAndRecord } from './replayFixtures';

/**
 * Stop the line (issue 10, point 3) on the dev server with a real worker, fleet and CLI: three
 * rollouts, each on its own target of one fleet, are baking; `freeze now` holds every one at once
 * and refuses new starts, by the CLI and at planning, until `freeze lift`, which resumes nothing.
 */
const NEW = '2.0.0';
const playbook = fastPlaybook({ method: 'direct', phases: { waves: [{ size: '100%', bakeTime: '10m', maxParallel: 1 }] } });
const ids = ['line-a', 'line-b', 'line-c'];

describe('stop the line: freeze now / freeze lift (dev server, real worker, fleet and CLI)', () => {
  const h = new RolloutHarness();
  let env: Record<string, string>;
  const cli = (...args: string[]) => rampart(args, env);
  let artifact: { path: string; sha256: string };
  /** The fleet with only target `i`: rollouts on disjoint targets of one fleet run at once. */
  const oneTarget = (i: number): Fleet => ({ ...h.fleet.fleet, targets: [h.fleet.fleet.targets[i]!] });

  before(async () => {
    await h.start({ size: 4 });
    env = { TEMPORAL_ADDRESS: devServerAddress(), RAMPART_TASK_QUEUE: h.taskQueue };
    artifact = await h.artifact(NEW);
    await Promise.all(ids.map((id, i) => h.startRollout(h.input(id, playbook, artifact, NEW, oneTarget(i)))));
    for (const id of ids) await h.waitForProgress(id, (s) => s.steps[0]?.state === 'baking');
  });
  after(() => h.stop());

  test('freeze now holds every running rollout where it stands, names each, and says the line is stopped', async () => {
    const before = await h.versions();
    const r = await cli('freeze', 'now', '--reason', 'payments outage', '--by', 'alice');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /line stopped: no rollout starts until "rampart freeze lift"; running ones are stopped \(then hold\)/);
    for (const id of ids) assert.match(r.stdout, new RegExp(`stopped ${id}`));
    assert.match(r.stdout, /3 of 3 running rollout\(s\) stopped in \d+ ms/);
    for (const id of ids) {
      const s = await h.waitFor(id, (x) => x.state === 'held');
      assert.match(JSON.stringify(s.timeline), /line stopped: payments outage/);
    }
    assert.deepEqual(await h.versions(), before, 'held: nothing changed on the targets');
    const status = await cli('freeze', 'status');
    assert.match(status.stdout, /line stopped by alice at \S+ \(then hold\): payments outage/);
    const again = await cli('freeze', 'now', '--reason', 'still out', '--by', 'bob');
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /the line was already stopped by alice at \S+: payments outage/);
  });

  test('while stopped, a start is refused by the CLI (exit 3) and a start straight through Temporal at planning', async () => {
    const fleetFile = h.writeFile('fleet.json', JSON.stringify(oneTarget(3)));
    const playbookFile = h.writeFile('playbook.json', JSON.stringify(playbook));
    const start = await cli('rollout', 'start', '--playbook', playbookFile, '--fleet', fleetFile, '--artifact', artifact.path, '--sha256', artifact.sha256, '--id', 'line-new');
    assert.equal(start.code, 3, start.stderr);
    assert.match(start.stderr, /the line is stopped \(by alice at \S+: payments outage\); nothing starts until "rampart freeze lift"/);
    await assert.rejects(h.client.workflow.getHandle('line-new').describe(), /not found/i);
    const direct = await h.client.workflow.start(WorkflowType.rollout, { taskQueue: h.taskQueue, workflowId: 'line-direct', args: [h.input('line-direct', playbook, artifact, NEW, oneTarget(3))] });
    await assert.rejects(direct.result(), (err: Error & { cause?: Error }) => /the line is stopped .*; not started, no target was touched/.test(err.cause?.message ?? ''));
    assert.equal((await h.versions())[h.fleet.fleet.targets[3]!.id], FROM_VERSION);
  });

  test('freeze lift lets rollouts start again and resumes nothing; lifting an open line is exit 4; bad flags are exit 2', async () => {
    const noReason = await cli('freeze', 'lift', '--reason', '');
    assert.equal(noReason.code, 2, noReason.stderr);
    assert.match(noReason.stderr, /reason: give a reason/);
    const badThen = await cli('freeze', 'now', '--reason', 'x', '--then', 'panic');
    assert.equal(badThen.code, 2, badThen.stderr);
    assert.match(badThen.stderr, /then: expected hold or rollback/);
    const lift = await cli('freeze', 'lift', '--reason', 'payments back', '--by', 'alice');
    assert.equal(lift.code, 0, lift.stderr);
    assert.match(lift.stdout, /line open again \(stopped by alice at \S+\): new rollouts may start; held rollouts stay held until resumed/);
    const twice = await cli('freeze', 'lift', '--reason', 'again');
    assert.equal(twice.code, 4, twice.stderr);
    assert.match(twice.stderr, /the line is not stopped/);
    for (const id of ids) assert.equal((await h.status(id)).state, 'held');
  });

  test('freeze now --then rollback rolls every running rollout back to the last good version', async () => {
    const resumed = await cli('rollout', 'resume', 'line-a', '--by', 'alice', '--reason', 'payments back');
    assert.equal(resumed.code, 0, resumed.stderr);
    await h.waitFor('line-a', (s) => s.state === 'running');
    const r = await cli('freeze', 'now', '--reason', 'bad config everywhere', '--then', 'rollback', '--by', 'bob', '--json');
    assert.equal(r.code, 0, r.stderr);
    const answer = JSON.parse(r.stdout);
    assert.equal(answer.line.then, 'rollback');
    assert.ok(answer.stopped.some((s: { rolloutId: string; stopped: boolean }) => s.rolloutId === 'line-a' && s.stopped), r.stdout);
    await h.waitFor('line-a', (s) => s.state === 'rolled_back', 60_000);
    assert.equal((await h.versions())[h.fleet.fleet.targets[0]!.id], FROM_VERSION);
    await cli('freeze', 'lift', '--reason', 'config fixed', '--by', 'bob');
    for (const id of ['line-b', 'line-c']) await cli('rollout', 'rollback', id, '--by', 'bob');
    for (const id of ['line-b', 'line-c']) await h.waitFor(id, (s) => s.state === 'rolled_back', 60_000);
  });

  test('the record and a rollout the line stopped replay on the current code (recorded with RAMPART_RECORD_HISTORIES=1)', async () => {
    const found = await replayAndRecord(h.client, await bundleWorkflows(require.resolve('../workflows')), [
      { workflowId: changeControlWorkflowId(h.taskQueue), file: 'change-control-line-stopped' },
      { workflowId: 'line-a', file: 'rollout-line-stopped-resumed-rolled-back' },
      { workflowId: 'line-direct', file: 'rollout-refused-line-stopped' },
    ]);
    assert.equal(found.length, 3, found.join(', '));
  });
});
