import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RolloutStatus } from '../domain/rolloutStatus';
import { rejectsWith } from './helpers/assertions';
import { dryRunFleet } from './helpers/dryRun';
import { FROM_VERSION, RolloutHarness, fastPlaybook } from './helpers/rolloutHarness';

const ended = (s: RolloutStatus) => ['completed', 'rolled_back', 'failed', 'held'].includes(s.state);
const slowWaves = fastPlaybook({
  phases: {
    canary: { size: 1, bakeTime: '2s' },
    waves: [{ size: '100%', bakeTime: '20s', maxParallel: 1 }],
  },
});

describe('on-call commands on a running rollout (dev server, real fleet)', () => {
  const h = new RolloutHarness();
  before(async () => h.start({ size: 4 }));
  after(async () => h.stop());

  test('emergency stop during a wave starts nothing new, then rolls back every changed target', async () => {
    const artifact = await h.artifact('2.0.0');
    const handle = await h.startRollout(h.input('stop-rollback', slowWaves, artifact, '2.0.0'));
    await h.waitFor('stop-rollback', (s) => s.step === 'wave-1');
    const answer = await h.rollouts.stop(handle.workflowId, { by: 'oncall', reason: 'customer reports', then: 'rollback' });
    assert.match(answer, /^stopping/);
    const status = await h.waitFor('stop-rollback', ended);
    assert.equal(status.state, 'rolled_back');
    assert.match(status.outcome?.reason ?? '', /emergency stop/);
    assert.deepEqual(Object.values(await h.versions()), Array(4).fill(FROM_VERSION));
    const stopEntry = status.timeline.find((e) => e.event === 'emergency stop');
    assert.deepEqual([stopEntry?.by, stopEntry?.reason], ['oncall', 'customer reports']);
    await rejectsWith(h.rollouts.resume(handle.workflowId, { by: 'oncall' }), /.+/);
  });

  test('stop --then hold keeps targets as they are; resume finishes without installing anything twice', async () => {
    const artifact = await h.artifact('2.1.0');
    const handle = await h.startRollout(h.input('stop-hold', slowWaves, artifact, '2.1.0'));
    await h.waitFor('stop-hold', (s) => s.step === 'wave-1');
    await h.rollouts.stop(handle.workflowId, { by: 'oncall', then: 'hold' });
    await rejectsWith(h.rollouts.stop(handle.workflowId, { by: 'oncall', then: 'hold' }), /already/);
    const held = await h.waitFor('stop-hold', ended);
    assert.equal(held.state, 'held');
    const versionsWhileHeld = await h.versions();
    assert.ok(Object.values(versionsWhileHeld).includes('2.1.0'), 'the canary keeps the new version while held');
    await h.rollouts.resume(handle.workflowId, { by: 'oncall', reason: 'false alarm' });
    const done = await h.waitFor('stop-hold', (s) => ['completed', 'rolled_back', 'failed'].includes(s.state), 90_000);
    assert.equal(done.state, 'completed', done.outcome?.reason);
    assert.deepEqual(done.nearMisses.map((n) => n.kind), ['stop-cancelled'], 'a stop that was lifted is a near miss');
    assert.deepEqual(Object.values(await h.versions()), Array(4).fill('2.1.0'));
    for (const [id, records] of Object.entries(await h.journal())) {
      assert.equal(records.filter((r) => r.action === 'install' && r.to === '2.1.0').length, 1, `${id} installed 2.1.0 once`);
    }
  });

  test('rollback on request returns the fleet to its last known good version', async () => {
    const artifact = await h.artifact('2.2.0');
    const handle = await h.startRollout(h.input('manual-rollback', slowWaves, artifact, '2.2.0'));
    await h.waitFor('manual-rollback', (s) => s.step === 'wave-1');
    await rejectsWith(h.rollouts.resume(handle.workflowId, { by: 'oncall' }), /cannot resume: the rollout is running, not paused/);
    await rejectsWith(h.rollouts.pause(handle.workflowId, { by: 'not a name!' }), /invalid command: by: expected a user name/);
    await h.rollouts.rollback(handle.workflowId, { by: 'oncall', reason: 'bad feedback' });
    const status = await h.waitFor('manual-rollback', ended);
    assert.equal(status.state, 'rolled_back');
    assert.deepEqual(Object.values(await h.versions()), Array(4).fill('2.1.0'));
    assert.ok(status.targets.every((t) => t.version === '2.1.0'));
  });

  test('an emergency stop sent the moment a wave starts is never lost', async () => {
    const playbook = fastPlaybook({ method: 'direct', phases: { waves: [{ size: '100%', bakeTime: '0s', maxParallel: 1 }] } });
    const artifact = await h.artifact('2.3.0');
    for (let trial = 0; trial < 8; trial++) {
      const id = `stop-race-${trial}`;
      // Dry-run targets keep this about the workflow's timing, not about install speed.
      const fleet = dryRunFleet(id, 150);
      const handle = await h.startRollout(h.input(id, playbook, artifact, '2.3.0', fleet));
      // Poll fast: the race is between the wave showing in the status and its child workflow starting.
      for (let i = 0; i < 3000 && (await h.status(id).catch(() => null))?.step !== 'wave-1'; i++) await new Promise((r) => setTimeout(r, 2));
      await h.rollouts.stop(handle.workflowId, { by: 'oncall', then: 'hold' });
      const held = await h.waitFor(id, (s) => s.state === 'held' || s.state === 'completed', 30_000);
      assert.equal(held.state, 'held', `trial ${trial}: the stop was lost`);
      assert.ok(held.targets.filter((t) => t.state === 'installed').length < 150, `trial ${trial}: the wave stopped early`);
      await h.rollouts.rollback(handle.workflowId, { by: 'oncall' });
      assert.equal(((await handle.result()) as RolloutStatus).state, 'rolled_back');
    }
  });
});
