import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ChangeControlClient } from '../client/changeControlClient';
import { changeControlWorkflowId } from '../contract/ids';
import { WorkflowType } from '../contract/workflowTypes';
import { playbookSchema } from '../domain/playbook';
import { rampart } from './helpers/cli';
import { FROM_VERSION, RolloutHarness, fastPlaybook } from './helpers/rolloutHarness';
import { bundleWorkflows, devServerAddress } from './helpers/temporal';
import { replayAndRecord } from './replayFixtures';

/**
 * Quarantine (issue 10, point 4) on the dev server with a real worker, fleet and CLI: a
 * quarantined version cannot be started (exit 3 naming who and why), a running rollout of it is
 * stopped and held where it stands, only someone else may lift it, and the record is one
 * workflow per task queue whose history says who did what.
 */
const BAD = '3.0.0';
const playbook = fastPlaybook({
  quarantineOnBreach: true,
  phases: {
    canary: { size: 1, bakeTime: '1s' },
    // A long bake keeps the rollout in wave-1 while it is quarantined.
    waves: [{ size: 1, bakeTime: '10m', maxParallel: 1 }, { size: '100%', bakeTime: '1s', maxParallel: 1 }],
  },
});

describe('release quarantine (dev server, real worker, fleet and CLI)', () => {
  const h = new RolloutHarness();
  let env: Record<string, string>;
  const cli = (...args: string[]) => rampart(args, env);

  before(async () => {
    await h.start({ size: 3 });
    env = { TEMPORAL_ADDRESS: devServerAddress(), RAMPART_TASK_QUEUE: h.taskQueue };
  });
  after(() => h.stop());

  test('nothing is quarantined at first, and lifting what is not quarantined is exit 4', async () => {
    const listed = await cli('release', 'quarantined');
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /no version is quarantined/);
    const lifted = await cli('release', 'unquarantine', BAD, '--reason', 'fine', '--by', 'bob');
    assert.equal(lifted.code, 4, lifted.stderr);
    assert.match(lifted.stderr, /version 3\.0\.0 is not quarantined/);
  });

  test('a bad version or a missing reason is exit 2 naming the field, and nothing is recorded', async () => {
    const badVersion = await cli('release', 'quarantine', '../etc', '--reason', 'x');
    assert.equal(badVersion.code, 2, badVersion.stderr);
    assert.match(badVersion.stderr, /version: expected a version/);
    const noReason = await cli('release', 'quarantine', BAD, '--reason', '');
    assert.equal(noReason.code, 2, noReason.stderr);
    assert.match(noReason.stderr, /reason: give a reason/);
    await assert.rejects(h.client.workflow.getHandle(changeControlWorkflowId(h.taskQueue)).describe(), /not found/i);
  });

  test('a running rollout of a version quarantined mid-wave is held where it stands; a new start of it is refused with exit 3', async () => {
    const artifact = await h.artifact(BAD);
    await h.startRollout(h.input('q-running', playbook, artifact, BAD));
    await h.waitForProgress('q-running', (s) => s.steps.find((x) => x.name === 'wave-1')?.state === 'baking');
    const before = await h.versions();

    const q = await cli('release', 'quarantine', BAD, '--reason', 'crashes on ARM', '--by', 'alice');
    assert.equal(q.code, 0, q.stderr);
    assert.match(q.stdout, /quarantined version 3\.0\.0: no rollout may start it until someone other than alice lifts it/);
    assert.match(q.stdout, /held rollout q-running/);
    const held = await h.waitFor('q-running', (s) => s.state === 'held');
    assert.match(JSON.stringify(held.timeline), /version 3\.0\.0 quarantined: crashes on ARM/);
    assert.deepEqual(await h.versions(), before, 'held: the targets stay as they are');

    const again = await cli('release', 'quarantine', BAD, '--reason', 'still bad', '--by', 'carol');
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /already quarantined by alice at \S+: crashes on ARM/);

    const fleetFile = h.writeFile('fleet.json', JSON.stringify(h.fleet.fleet));
    const playbookFile = h.writeFile('playbook.json', JSON.stringify(playbook));
    const start = await cli('rollout', 'start', '--playbook', playbookFile, '--fleet', fleetFile, '--artifact', artifact.path, '--sha256', artifact.sha256, '--id', 'q-new');
    assert.equal(start.code, 3, start.stderr);
    assert.match(start.stderr, /version 3\.0\.0 is quarantined \(by alice at \S+: crashes on ARM\); someone other than alice may lift it/);
    await assert.rejects(h.client.workflow.getHandle('q-new').describe(), /not found/i, 'nothing started');

    const listed = await cli('release', 'quarantined', '--json');
    assert.deepEqual(JSON.parse(listed.stdout).quarantined.map((x: { version: string; by: string }) => [x.version, x.by]), [[BAD, 'alice']]);
  });

  test('the one who quarantined may not lift it (exit 3); someone else may, and held rollouts stay held', async () => {
    const self = await cli('release', 'unquarantine', BAD, '--reason', 'fixed', '--by', 'alice');
    assert.equal(self.code, 3, self.stderr);
    assert.match(self.stderr, /alice quarantined 3\.0\.0 and may not lift it too/);
    const other = await cli('release', 'unquarantine', BAD, '--reason', 'false alarm: the ARM runner was broken', '--by', 'bob');
    assert.equal(other.code, 0, other.stderr);
    assert.match(other.stdout, /lifted the quarantine of 3\.0\.0 \(quarantined by alice\)/);
    const listed = JSON.parse((await cli('release', 'quarantined', '--json')).stdout);
    assert.deepEqual(listed.quarantined, []);
    assert.deepEqual(listed.lifted.map((x: { liftedBy: string; liftReason: string }) => [x.liftedBy, x.liftReason]), [['bob', 'false alarm: the ARM runner was broken']]);
    assert.equal((await h.status('q-running')).state, 'held');
    assert.ok(Object.values(await h.versions()).includes(FROM_VERSION));
    // Rolled back by a human; its lease is given back for the rollouts below.
    const rollback = await cli('rollout', 'rollback', 'q-running', '--by', 'bob', '--reason', 'done with 3.0.0');
    assert.equal(rollback.code, 0, rollback.stderr);
    await h.waitFor('q-running', (s) => s.state === 'rolled_back');
    assert.deepEqual(Object.values(await h.versions()), [FROM_VERSION, FROM_VERSION, FROM_VERSION]);
  });

  test('a tripped breaker quarantines its version (quarantineOnBreach, on by default): the next start of it is refused', async () => {
    const { quarantineOnBreach: _, ...unset } = playbook;
    assert.equal(playbookSchema.parse(unset).quarantineOnBreach, true, 'on unless the playbook says otherwise');
    const version = '4.0.0';
    const artifact = await h.artifact(version, { errorRate: 0.6 });
    await h.startRollout(h.input('q-breach', playbook, artifact, version));
    const ended = await h.waitFor('q-breach', (s) => s.state === 'rolled_back', 120_000);
    assert.ok(ended.timeline.some((e) => e.event === 'version quarantined' && e.detail?.startsWith('4.0.0:')), JSON.stringify(ended.timeline));
    const state = await new ChangeControlClient(h.client, h.taskQueue).state();
    const q = state.quarantined.find((x) => x.version === version);
    assert.equal(q?.by, 'breaker:q-breach');
    assert.match(q?.reason ?? '', /^breaker tripped in canary: /);
    const fleetFile = h.writeFile('fleet.json', JSON.stringify(h.fleet.fleet));
    const playbookFile = h.writeFile('playbook.json', JSON.stringify(playbook));
    const start = await cli('rollout', 'start', '--playbook', playbookFile, '--fleet', fleetFile, '--artifact', artifact.path, '--sha256', artifact.sha256, '--id', 'q-breach-again');
    assert.equal(start.code, 3, start.stderr);
    assert.match(start.stderr, /version 4\.0\.0 is quarantined \(by breaker:q-breach/);
  });

  test('a start straight through Temporal is refused at planning; a quarantine the CLI did not deliver holds at the next step', async () => {
    const version = '5.0.0';
    const artifact = await h.artifact(version);
    const control = new ChangeControlClient(h.client, h.taskQueue);
    await control.quarantine({ version, by: 'dora', reason: 'licence audit' });
    const direct = await h.client.workflow.start(WorkflowType.rollout, { taskQueue: h.taskQueue, workflowId: 'q-direct', args: [h.input('q-direct', playbook, artifact, version)] });
    await assert.rejects(direct.result(), (err: Error & { cause?: Error }) => /version 5\.0\.0 is quarantined \(by dora at \S+: licence audit\); not started, no target was touched/.test(err.cause?.message ?? ''));
    await control.unquarantine({ version, by: 'erin', reason: 'audit passed' });

    // Started while allowed; quarantined behind the CLI's back (no hold sent) while wave-1 bakes.
    const before = await h.versions();
    await h.startRollout(h.input('q-boundary', fastPlaybook({ phases: { canary: { size: 1, bakeTime: '1s' }, waves: [{ size: 1, bakeTime: '3s', maxParallel: 1 }, { size: '100%', bakeTime: '1s', maxParallel: 1 }] } }), artifact, version));
    await h.waitFor('q-boundary', (s) => s.step === 'wave-1');
    await control.quarantine({ version, by: 'dora', reason: 'licence audit, again' });
    const held = await h.waitFor('q-boundary', (s) => s.state === 'held', 60_000);
    assert.match(held.outcome?.reason ?? '', /version 5\.0\.0 is quarantined \(by dora at \S+: licence audit, again\); targets held as they are/);
    assert.equal(held.steps.find((x) => x.name === 'wave-2')?.state, 'pending', 'no target of the next step was touched');
    const now = await h.versions();
    assert.equal(Object.values(now).filter((v) => v === version).length, 2, 'canary and wave-1 on it, the rest as before');
    assert.ok(Object.keys(before).some((id) => now[id] === before[id]));
  });

  test('the change-control record and the rollouts it stopped replay on the current code (recorded with RAMPART_RECORD_HISTORIES=1)', async () => {
    const found = await replayAndRecord(h.client, await bundleWorkflows(require.resolve('../workflows')), [
      { workflowId: changeControlWorkflowId(h.taskQueue), file: 'change-control-quarantines' },
      { workflowId: 'q-breach', file: 'rollout-breach-quarantined' },
      { workflowId: 'q-boundary', file: 'rollout-quarantined-at-step' },
      { workflowId: 'q-direct', file: 'rollout-refused-quarantined' },
    ]);
    assert.deepEqual(found, ['change-control-quarantines', 'rollout-breach-quarantined', 'rollout-quarantined-at-step', 'rollout-refused-quarantined']);
  });
});
