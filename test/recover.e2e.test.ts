import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startPortal, type Portal } from '../client/portal/portalServer';
import { readRolloutStatus } from '../client/rolloutStatusView';
import { recoveryWorkflowId, stepWorkflowId } from '../contract/ids';
import { rampart } from './helpers/cli';
import { request } from './helpers/portalRig';
import { FROM_VERSION, RolloutHarness, fastPlaybook } from './helpers/rolloutHarness';
import { devServerAddress } from './helpers/temporal';

/**
 * A rollout ended behind Rampart's back (`temporal workflow terminate`) is shown as ended by the
 * CLI and the portal, and `rollout recover` rolls back what its install journals say it changed,
 * once, through the same verified rollback. One rollout on a real 3-target fleet: the canary and
 * wave-1 are on the new version when it is terminated, wave-2 was never touched.
 */
const NEW_VERSION = '2.0.0';
const ID = 'recover-1';
const playbook = fastPlaybook({
  phases: {
    canary: { size: 1, bakeTime: '1s' },
    // A long bake: nothing installs while the rollout is terminated, so the journals are settled.
    waves: [{ size: 1, bakeTime: '5m', maxParallel: 1 }, { size: '100%', bakeTime: '1s', maxParallel: 1 }],
  },
});

describe('a rollout terminated behind Rampart\'s back (dev server, real fleet, real CLI, real portal)', () => {
  const h = new RolloutHarness();
  let portal: Portal;
  let env: Record<string, string>;
  const cli = (...args: string[]) => rampart(args, env);
  const rollbacks = async () => Object.values(await h.journal()).flat().filter((r) => r.action === 'rollback').length;

  before(async () => {
    await h.start({ size: 3 });
    env = { TEMPORAL_ADDRESS: devServerAddress(), RAMPART_TASK_QUEUE: h.taskQueue };
    portal = await startPortal({ client: h.client, taskQueue: h.taskQueue, customers: [], secret: 'recover-test-secret-0123456789abcdef', port: 0, pollIntervalMs: 300, heartbeatMs: 1_000 });
    const artifact = await h.artifact(NEW_VERSION);
    await h.startRollout(h.input(ID, playbook, artifact, NEW_VERSION));
    // Wave-1's one target installed and baking: two targets on the new version, one untouched.
    const deadline = Date.now() + 60_000;
    for (;;) {
      const status = await readRolloutStatus(h.rollouts, ID);
      if (status.steps.find((s) => s.name === 'wave-1')?.state === 'baking') break;
      if (Date.now() > deadline) throw new Error(`wave-1 never baked: ${status.state} ${status.step}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  });
  after(async () => {
    await portal?.close();
    await h.stop();
  });

  test('recover is refused (exit 3) while the rollout runs, pointing at rollout rollback; nothing changes', async () => {
    const before = await h.versions();
    const r = await cli('rollout', 'recover', ID, '--reason', 'too early');
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /still running .*rampart rollout rollback recover-1/);
    assert.deepEqual(await h.versions(), before);
    await assert.rejects(h.client.workflow.getHandle(recoveryWorkflowId(ID)).describe(), /not found/i, 'no recovery was started');
  });

  test('once terminated, status says terminated with who and why, and watch exits 6', async () => {
    assert.deepEqual(Object.values(await h.versions()).sort(), [FROM_VERSION, NEW_VERSION, NEW_VERSION]);
    await h.client.workflow.getHandle(ID).terminate('operator typo');
    const [shown, asJson] = await Promise.all([cli('rollout', 'status', ID), cli('rollout', 'status', ID, '--json')]);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /^state terminated /m);
    assert.doesNotMatch(shown.stdout, /^state running/m);
    assert.match(shown.stdout, /TERMINATED outside Rampart at \S+ by \S+ \(operator typo\)/);
    assert.match(shown.stdout, /last known state: running in wave-1/);
    assert.match(shown.stdout, /rampart rollout recover recover-1 --reason/);
    const json = JSON.parse(asJson.stdout);
    assert.equal(json.state, 'terminated');
    assert.equal(json.interrupted.reason, 'operator typo');
    assert.equal(json.targets.filter((t: { version: string }) => t.version === NEW_VERSION).length, 2, 'the last known status shows what it installed');
    const watched = await cli('rollout', 'watch', ID);
    assert.equal(watched.code, 6, watched.stderr);
    assert.match(watched.stdout, /rollout terminated .*operator typo/);
  });

  test('the portal shows the release as stopped, not in progress', async () => {
    const deadline = Date.now() + 20_000;
    let page = await request(`${portal.url}/releases/${ID}`);
    while (!/Stopped/.test(page.text) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 300));
      page = await request(`${portal.url}/releases/${ID}`);
    }
    assert.equal(page.status, 200);
    assert.match(page.text, /<span class="badge state-stopped">Stopped<\/span>/);
    assert.doesNotMatch(page.text, /In progress/);
    const list = await request(`${portal.url}/`);
    assert.match(list.text, /No release is in progress\./);
    assert.match(list.text, /Recent<\/h2>\s*<ul class="releases"><li class="card release-row" data-release="recover-1">/);
  });

  test('rollout rollback is refused with a message pointing at rollout recover', async () => {
    const r = await cli('rollout', 'rollback', ID, '--reason', 'undo it');
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /rollout recover-1 was terminated outside Rampart .*\(operator typo\).*rampart rollout recover recover-1 --reason/);
    assert.doesNotMatch(r.stderr, /is running/);
  });

  test('recover without a reason is exit 2 and starts nothing', async () => {
    const [r, blank] = await Promise.all([cli('rollout', 'recover', ID, '--by', 'carol'), cli('rollout', 'recover', ID, '--by', 'carol', '--reason', '   ')]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^rampart: --reason: give the reason for the recovery/m);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    assert.equal(blank.code, 2, blank.stderr);
    assert.match(blank.stderr, /--reason: give the reason/);
    await assert.rejects(h.client.workflow.getHandle(recoveryWorkflowId(ID)).describe(), /not found/i);
  });

  test('recover with a reason returns every changed target to the old version, verified, and records who and why', async () => {
    const r = await cli('rollout', 'recover', ID, '--by', 'carol', '--reason', 'terminated by mistake');
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /recovery requested by carol \(terminated by mistake\): rollout recover-1 terminated at \S+ by \S+ \(operator typo\)/);
    assert.match(r.stdout, /changes found: 2 target\(s\) changed by the rollout.*; 1 untouched/);
    assert.equal((r.stdout.match(/ 1\.0\.0 +verified/g) ?? []).length, 2, r.stdout);
    assert.match(r.stdout, /recovery rolled_back$/m);
    // What the real target processes report.
    assert.deepEqual(Object.values(await h.versions()), Array(3).fill(FROM_VERSION));
    assert.equal(await rollbacks(), 2, 'the two changed targets rolled back, the untouched one not');
    // Recorded, not only printed: in the recovery's own result and memo, and in the rollout's status.
    const recovery = await h.client.workflow.getHandle(recoveryWorkflowId(ID)).describe();
    assert.deepEqual(recovery.memo, { by: 'carol', reason: 'terminated by mistake' });
    const status = JSON.parse((await cli('rollout', 'status', ID, '--json')).stdout);
    assert.equal(status.state, 'terminated');
    assert.deepEqual([status.recovery.state, status.recovery.by, status.recovery.reason], ['rolled_back', 'carol', 'terminated by mistake']);
    assert.equal(status.targets.filter((t: { state: string }) => t.state === 'rolled_back').length, 2);
    // (The text of `rollout status` shows the recovery too: the last test reads it.)
  });

  test('the portal shows the recovered release as rolled back', async () => {
    const deadline = Date.now() + 20_000;
    let page = await request(`${portal.url}/releases/${ID}`);
    while (!/Rolled back<\/span>/.test(page.text) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 300));
      page = await request(`${portal.url}/releases/${ID}`);
    }
    assert.match(page.text, /<span class="badge state-rolled_back">Rolled back<\/span>/);
  });

  test('a second recover reports the first one\'s result and rolls back nothing again (exit 3)', async () => {
    const r = await cli('rollout', 'recover', ID, '--by', 'dave', '--reason', 'again');
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /already recovered by carol at \S+ \(terminated by mistake\): rolled_back; nothing was rolled back again/);
    assert.match(r.stdout, /recovery rolled_back$/m, 'the first recovery\'s result is shown');
    assert.equal(await rollbacks(), 2);
    assert.deepEqual(Object.values(await h.versions()), Array(3).fill(FROM_VERSION));
  });

  test('recover of a rollout that does not exist is exit 4', async () => {
    const r = await cli('rollout', 'recover', 'no-such-rollout', '--reason', 'typo');
    assert.equal(r.code, 4, r.stderr);
    assert.match(r.stderr, /no rollout with id "no-such-rollout"/);
  });

  test('a rollout whose step child was terminated ends failed, reads so, and is recovered the same way', async () => {
    const id = 'recover-2';
    const artifact = await h.artifact('3.0.0');
    await h.startRollout(h.input(id, fastPlaybook({ phases: { canary: { size: 1, bakeTime: '5m' }, waves: [{ size: '100%', bakeTime: '1s' }] } }), artifact, '3.0.0'));
    const deadline = Date.now() + 60_000;
    while ((await readRolloutStatus(h.rollouts, id)).steps[0]?.state !== 'baking') {
      assert.ok(Date.now() < deadline, 'the canary bakes');
      await new Promise((r) => setTimeout(r, 200));
    }
    await h.client.workflow.getHandle(stepWorkflowId(id, 'canary')).terminate('wrong workflow id');
    while ((await h.rollouts.execution(id)).status.name === 'RUNNING') {
      assert.ok(Date.now() < deadline, 'the rollout ends');
      await new Promise((r) => setTimeout(r, 200));
    }
    const status = JSON.parse((await cli('rollout', 'status', id, '--json')).stdout);
    assert.equal(status.state, 'failed');
    assert.equal(status.interrupted.how, 'failed');
    assert.equal(status.interrupted.lastState, 'running');
    assert.equal(Object.values(await h.versions()).filter((v) => v === '3.0.0').length, 1, 'the canary is left on the new version');
    const r = await cli('rollout', 'recover', id, '--by', 'carol', '--reason', 'step child terminated');
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /changes found: 1 target\(s\) changed by the rollout/);
    assert.deepEqual(Object.values(await h.versions()), Array(3).fill(FROM_VERSION));
  });

  test('with no worker to answer for it, status still says terminated within seconds, from its input', async () => {
    await h.stopWorker();
    const started = Date.now();
    const shown = await cli('rollout', 'status', ID);
    assert.equal(shown.code, 0, shown.stderr);
    assert.ok(Date.now() - started < 20_000, 'the closed rollout\'s query is bounded');
    assert.match(shown.stdout, /^state terminated /m);
    assert.match(shown.stdout, /TERMINATED outside Rampart at \S+ by \S+ \(operator typo\)/);
    assert.match(shown.stdout, /no worker answered for this closed rollout/);
    assert.match(shown.stdout, /recovery rolled_back \(requested by carol/);
  });
});
