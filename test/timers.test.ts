import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RolloutStatus } from '../domain/rolloutStatus';
import { rejectsWith } from './helpers/assertions';
import { TimeSkippingRig } from './helpers/dryRun';
import { fastPlaybook } from './helpers/rolloutHarness';

const HOUR = 3_600_000;

const at = (s: RolloutStatus, event: string, detail: string) =>
  Date.parse(s.timeline.find((e) => e.event === event && (e.detail ?? '').startsWith(detail))?.at ?? 'NaN');

describe('durable timers on the time-skipping server', () => {
  // Dry-run targets: the subject here is the workflow's durable timers, not the targets.
  const rig = new TimeSkippingRig('2.0.0');
  before(async () => rig.start());
  after(async () => rig.stop());

  test('bake times of hours are honoured in workflow time and take seconds of real time', async () => {
    const playbook = fastPlaybook({
      phases: { canary: { size: 1, bakeTime: '1h' }, waves: [{ size: '100%', bakeTime: '2h' }] },
      health: { errorRate: { max: 0.05 }, minSamples: 10, analysisInterval: '10m', consecutiveBreaches: 2 },
    });
    const realStart = Date.now();
    const handle = await rig.startRollout(rig.input('timers-bake', playbook));
    const status = (await handle.result()) as RolloutStatus;
    assert.equal(status.state, 'completed', status.outcome?.reason);
    const canaryBake = at(status, 'step passed', 'canary') - at(status, 'step started', 'canary');
    const waveBake = at(status, 'step passed', 'wave-1') - at(status, 'step started', 'wave-1');
    assert.ok(canaryBake >= HOUR && canaryBake < HOUR + 15 * 60_000, `canary baked ${canaryBake} ms`);
    assert.ok(waveBake >= 2 * HOUR && waveBake < 2 * HOUR + 15 * 60_000, `wave baked ${waveBake} ms`);
    assert.ok(Date.now() - realStart < 60_000, 'time was skipped');
  });

  test('an approval is waited for across days, and the starter cannot approve their own rollout', async () => {
    const playbook = fastPlaybook({
      phases: { canary: { size: 1, bakeTime: '30m' }, waves: [{ size: '100%', bakeTime: '30m' }] },
      health: { errorRate: { max: 0.05 }, minSamples: 10, analysisInterval: '10m' },
      approvals: [{ step: 'waves', count: 1, approvers: ['bob', 'carol'] }],
    });
    const handle = await rig.startRollout(rig.input('timers-approval', playbook));
    await rig.env.sleep('3 days');
    const waiting = await rig.rollouts.status(handle.workflowId);
    assert.equal(waiting.state, 'awaiting_approval');
    assert.equal(waiting.awaitingApproval?.step, 'wave-1');
    assert.equal(waiting.steps[1]?.state, 'pending');
    await rejectsWith(rig.rollouts.approve(handle.workflowId, { by: 'alice' }), /alice started this rollout and cannot also approve it/);
    await rejectsWith(rig.rollouts.approve(handle.workflowId, { by: 'mallory' }), /mallory is not an approver for wave-1/);
    assert.equal(await rig.rollouts.approve(handle.workflowId, { by: 'bob', reason: 'canary clean' }), 'approved wave-1');
    const status = (await handle.result()) as RolloutStatus;
    assert.equal(status.state, 'completed');
    assert.deepEqual(status.approvals.map((a) => [a.step, a.by, a.reason]), [['wave-1', 'bob', 'canary clean']]);
  });

  test('a paused rollout starts no new step until resumed, however long it waits', async () => {
    const playbook = fastPlaybook({
      phases: { canary: { size: 1, bakeTime: '1h' }, waves: [{ size: '100%', bakeTime: '1h' }] },
      health: { errorRate: { max: 0.05 }, minSamples: 10, analysisInterval: '10m' },
    });
    const handle = await rig.startRollout(rig.input('timers-pause', playbook));
    await rig.env.sleep('5m');
    assert.match(await rig.rollouts.pause(handle.workflowId, { by: 'oncall', reason: 'investigating an alert' }), /^paused/);
    await rejectsWith(rig.rollouts.pause(handle.workflowId, { by: 'oncall' }), /already paused by oncall/);
    await rig.env.sleep('2 days');
    const paused = await rig.rollouts.status(handle.workflowId);
    assert.equal(paused.state, 'paused');
    assert.equal(paused.steps[1]?.state, 'pending', 'the wave did not start while paused');
    await rig.rollouts.resume(handle.workflowId, { by: 'oncall' });
    await rejectsWith(rig.rollouts.resume(handle.workflowId, { by: 'oncall' }), /not paused/);
    const status = (await handle.result()) as RolloutStatus;
    assert.equal(status.state, 'completed');
    assert.ok(status.timeline.some((e) => e.event === 'paused' && e.by === 'oncall' && e.reason === 'investigating an alert'));
  });

  test('parallel: a step ends only on promote (the cut-over), not when its bake time runs out', async () => {
    const playbook = fastPlaybook({
      method: 'parallel',
      phases: { canary: { size: 1, bakeTime: '1h' }, waves: [{ size: '100%', bakeTime: '1h' }] },
      health: { errorRate: { max: 0.05 }, minSamples: 10, analysisInterval: '10m' },
    });
    const handle = await rig.startRollout(rig.input('timers-parallel', playbook));
    await rig.env.sleep('1 day');
    const canary = await rig.rollouts.stepProgress('timers-parallel', 'canary');
    assert.equal(canary.state, 'awaiting_cutover');
    assert.equal((await rig.rollouts.status(handle.workflowId)).step, 'canary');
    assert.match(await rig.rollouts.promote(handle.workflowId, { by: 'bob', reason: 'latency equal' }), /^promoted canary/);
    await rig.env.sleep('2 hours');
    assert.equal((await rig.rollouts.status(handle.workflowId)).step, 'wave-1');
    await rig.rollouts.promote(handle.workflowId, { by: 'bob' });
    const status = (await handle.result()) as RolloutStatus;
    assert.equal(status.state, 'completed');
    assert.equal(status.timeline.filter((e) => e.event === 'promoted').length, 2);
  });

});
