import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RolloutStatus } from '../domain/rolloutStatus';
import { stepWorkflowId } from '../contract/ids';
import { runLengths } from './helpers/historyRuns';
import { TimeSkippingRig } from './helpers/dryRun';
import { fastPlaybook } from './helpers/rolloutHarness';

describe('history stays bounded as the fleet grows', () => {
  const rig = new TimeSkippingRig('7.0.0');
  before(async () => rig.start());
  after(async () => rig.stop());

  async function rollout(size: number): Promise<{ parentEvents: number; waveEvents: number }> {
    const id = `scale-${size}`;
    const playbook = fastPlaybook({
      phases: { canary: { size: 1, bakeTime: '10m' }, waves: [{ size: '50%', bakeTime: '10m', maxParallel: 50 }, { size: '100%', bakeTime: '10m', maxParallel: 50 }] },
      health: { errorRate: { max: 0.05 }, minSamples: 10, analysisInterval: '5m' },
    });
    const handle = await rig.startRollout(rig.input(id, playbook, size));
    const status = (await handle.result()) as RolloutStatus;
    assert.equal(status.state, 'completed');
    assert.equal(status.targets.filter((t) => t.version === '7.0.0').length, size);
    const events = async (workflowId: string) => (await rig.env.client.workflow.getHandle(workflowId).fetchHistory()).events?.length ?? 0;
    return { parentEvents: await events(id), waveEvents: await events(`${id}/wave-2`) };
  }

  test('a 20-fold larger fleet adds no events to the rollout workflow; each wave is its own child', async () => {
    const small = await rollout(20);
    const large = await rollout(400);
    assert.equal(large.parentEvents, small.parentEvents, `parent: ${small.parentEvents} vs ${large.parentEvents} events`);
    assert.ok(large.waveEvents > small.waveEvents, 'the wave child carries the per-target work');
    assert.ok(large.waveEvents < 51_200 / 4, `a 200-target wave stays far below the history limit (${large.waveEvents} events)`);
  });

  test('a 3,000-target wave hands its history over mid-install and installs every target exactly once', async () => {
    const id = 'scale-wave-3000';
    const playbook = fastPlaybook({
      phases: { canary: { size: 1, bakeTime: '1m' }, waves: [{ size: '100%', bakeTime: '1m', maxParallel: 50 }] },
      health: { errorRate: { max: 0.05 }, minSamples: 10, analysisInterval: '1m' },
    });
    const handle = await rig.startRollout(rig.input(id, playbook, 3_000));
    const status = (await handle.result()) as RolloutStatus;
    assert.equal(status.state, 'completed');
    assert.equal(status.targets.filter((t) => t.version === '7.0.0').length, 3_000);
    const wave = await rig.rollouts.stepProgress(id, 'wave-1');
    assert.ok(wave.handovers >= 1, `the wave handed over ${wave.handovers} times`);
    const installed = wave.changes.map((c) => c.targetId);
    assert.equal(installed.length, 2_999, 'every wave target changed once, none twice');
    assert.equal(new Set(installed).size, 2_999);
    const runs = await runLengths(rig.env.client, stepWorkflowId(id, 'wave-1'));
    assert.ok(Math.max(...runs) <= 10_240, `wave runs of ${runs.join(', ')} events`);
  });
});
