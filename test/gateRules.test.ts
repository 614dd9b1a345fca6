import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { RolloutStatus } from '../domain/rolloutStatus';
import { rejectsWith } from './helpers/assertions';
import { TimeSkippingRig, dryRunFleet } from './helpers/dryRun';
import { fastPlaybook } from './helpers/fastPlaybook';
import { BAD, GOOD, ScriptedTarget, type ScriptedWindow } from './helpers/scriptedTarget';

const SECRET_ENV = 'RAMPART_TEST_SCRIPTED_SECRET';

/**
 * The health gate's counting rules and approvals, on the time-skipping server: targets whose
 * every analysis window is scripted (test/helpers/scriptedTarget.ts), so the verdict of each
 * window is known and only the gate's own logic decides when the breaker trips.
 */
describe('health gate counting and approvals (time-skipping server)', () => {
  const rig = new TimeSkippingRig('3.0.0');
  const targets: ScriptedTarget[] = [];
  before(async () => {
    process.env[SECRET_ENV] = randomBytes(16).toString('hex');
    await rig.start();
  });
  after(async () => {
    await rig.stop();
    await Promise.all(targets.map((t) => t.close()));
  });

  /** A canary (scripted as given) and one wave target (always healthy: the baseline), a 10-minute canary bake read every minute. */
  const scripted = async (id: string, canaryWindows: ScriptedWindow[], health: Record<string, unknown> = {}) => {
    const canary = await new ScriptedTarget(`${id}-c`, { version: '1.0.0', windows: canaryWindows }).start();
    const wave = await new ScriptedTarget(`${id}-w`, { version: '1.0.0', windows: [GOOD] }).start();
    targets.push(canary, wave);
    const playbook = fastPlaybook({
      phases: { canary: { targets: [canary.id], bakeTime: '10m' }, waves: [{ size: '100%', bakeTime: '1m' }] },
      health: { errorRate: { max: 0.1, maxIncrease: 0.05 }, minSamples: 10, analysisInterval: '1m', consecutiveBreaches: 3, ...health },
    });
    const input = { ...rig.input(id, playbook), fleet: { name: 'scripted', version: '1.0.0', targets: [canary.target(SECRET_ENV), wave.target(SECRET_ENV)] } };
    const handle = await rig.startRollout(input);
    return { canary, wave, status: (await handle.result()) as RolloutStatus };
  };

  test('the breaker trips on the consecutiveBreaches-th breached window in a row, not before', async () => {
    const { canary, status } = await scripted('count-3', [BAD, BAD, BAD, GOOD]);
    assert.equal(status.state, 'rolled_back', status.outcome?.reason);
    assert.equal(status.breaker?.step, 'canary');
    assert.match(status.breaker?.reasons.join('; ') ?? '', /error rate 50\.0% above limit 10\.0%/);
    assert.equal(canary.reads, 1 + 3, 'a read to start from, then it tripped on the third window');
    assert.deepEqual(canary.commands.map((c) => `${c.action} ${c.version}`), ['install 3.0.0', 'rollback 1.0.0']);
  });

  test('a passing window resets the count: breaches that never come consecutiveBreaches in a row never trip', async () => {
    const { status, wave } = await scripted('reset', [BAD, BAD, GOOD, BAD, BAD, GOOD, BAD, BAD, GOOD, GOOD]);
    assert.equal(status.state, 'completed', status.outcome?.reason);
    assert.equal(status.breaker, null);
    assert.equal(status.steps[0]?.lastGate?.verdict, 'pass');
    assert.equal(wave.version, '3.0.0');
  });

  test('a window without enough requests neither passes nor resets: "not enough data to judge" after three extra windows', async () => {
    const { canary, status } = await scripted('sparse', [{ requests: 3, errors: 0 }], { consecutiveBreaches: 2 });
    assert.equal(status.state, 'rolled_back', status.outcome?.reason);
    assert.deepEqual(status.breaker?.reasons, ['not enough data to judge: only 3 requests on the new version, 10 needed']);
    assert.equal(status.breaker?.gate?.verdict, 'insufficient');
    // A read to start from, the 10-minute bake (10 windows), then three extra windows, the last of which breaches.
    assert.equal(canary.reads, 1 + 10 + 3, 'the bake and three extra windows were waited for, no more');
    assert.equal(canary.version, '1.0.0', 'rolled back');
  });

  test('count: 2 needs two different people other than the starter before the step starts', async () => {
    const playbook = fastPlaybook({ approvals: [{ step: 'canary', count: 2 }] });
    const input = rig.input('two-approvals', playbook, 3);
    const handle = await rig.startRollout(input);
    let status = await rig.rollouts.status(handle.workflowId);
    for (let i = 0; i < 100 && status.state !== 'awaiting_approval'; i++) {
      await rig.env.sleep('1s');
      status = await rig.rollouts.status(handle.workflowId);
    }
    assert.deepEqual(status.awaitingApproval, { step: 'canary', needed: 2, approvers: null, excludeStarter: true });
    assert.equal(await rig.rollouts.approve(handle.workflowId, { by: 'bob' }), 'approved canary; 1 more approval(s) needed');
    await rejectsWith(rig.rollouts.approve(handle.workflowId, { by: 'bob' }), /bob has already approved canary/);
    await rejectsWith(rig.rollouts.approve(handle.workflowId, { by: 'alice' }), /alice started this rollout and cannot also approve it/);
    await rig.env.sleep('1m');
    status = await rig.rollouts.status(handle.workflowId);
    assert.equal(status.state, 'awaiting_approval', 'one approval of two starts nothing');
    assert.ok(status.targets.every((t) => t.state === 'pending'), 'no target touched yet');
    assert.equal(await rig.rollouts.approve(handle.workflowId, { by: 'carol' }), 'approved canary');
    const done = (await handle.result()) as RolloutStatus;
    assert.equal(done.state, 'completed', done.outcome?.reason);
    assert.deepEqual(done.approvals.map((a) => [a.step, a.by]), [['canary', 'bob'], ['canary', 'carol']]);
    assert.ok(dryRunFleet('two-approvals', 3).targets.every((t) => done.targets.find((s) => s.id === t.id)?.version === '3.0.0'));
  });
});
