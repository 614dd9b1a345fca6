import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { stepWorkflowId } from '../contract/ids';
import type { RolloutStatus } from '../domain/rolloutStatus';
import { TimeSkippingRig } from './helpers/dryRun';
import { runLengths } from './helpers/historyRuns';
import { fastPlaybook } from './helpers/rolloutHarness';

/** Temporal's warning threshold: no run of any of a rollout's workflows may come near it. */
const HISTORY_WARNING_EVENTS = 10_240;

// About 30,000 analysis windows on the time-skipping server: minutes, more than the default per-test bound.
const LONG = { timeout: 12 * 60_000 };

describe('a bake of weeks stays within bounded histories', LONG, () => {
  const rig = new TimeSkippingRig('8.1.0');
  before(async () => rig.start());
  after(async () => rig.stop());

  test('a 21-day canary bake at a 1-minute interval completes, and no run passes 10,240 events', LONG, async () => {
    const id = 'bake-21d';
    const playbook = fastPlaybook({
      phases: { canary: { size: 1, bakeTime: '21d' }, waves: [{ size: '100%', bakeTime: '1m', maxParallel: 3 }] },
      health: { errorRate: { max: 0.1 }, minSamples: 10, analysisInterval: '1m', consecutiveBreaches: 2 },
    });
    const handle = await rig.startRollout(rig.input(id, playbook, 4));
    const status = (await handle.result()) as RolloutStatus;
    assert.equal(status.state, 'completed');
    assert.deepEqual(status.targets.map((t) => t.version), ['8.1.0', '8.1.0', '8.1.0', '8.1.0']);
    const canary = await runLengths(rig.env.client, stepWorkflowId(id, 'canary'));
    // 21 days of 1-minute windows is ~30,000 windows, ~330,000 events in one history without handing over.
    assert.ok(canary.length >= 30, `the canary handed over ${canary.length - 1} times`);
    for (const wf of [id, stepWorkflowId(id, 'canary'), stepWorkflowId(id, 'wave-1')]) {
      const lengths = await runLengths(rig.env.client, wf);
      assert.ok(Math.max(...lengths) <= HISTORY_WARNING_EVENTS, `${wf}: runs of ${Math.max(...lengths)} events`);
    }
  });

  test('pause, status and a stop sent while the step hands over its history all take effect', async () => {
    const id = 'bake-commands';
    const playbook = fastPlaybook({
      phases: { canary: { size: 1, bakeTime: '3d' }, waves: [{ size: '100%', bakeTime: '1m', maxParallel: 3 }] },
      health: { errorRate: { max: 0.1 }, minSamples: 10, analysisInterval: '1m', consecutiveBreaches: 2 },
    });
    const handle = await rig.startRollout(rig.input(id, playbook, 4));
    await rig.env.sleep('16h');
    const early = await rig.rollouts.stepProgress(id, 'canary');
    assert.equal(early.state, 'baking');
    assert.ok(early.handovers >= 1, `handed over ${early.handovers} times by 16h into the bake`);

    await rig.rollouts.pause(id, { by: 'bob', reason: 'looking at a graph' });
    await rig.env.sleep('16h');
    const paused = await rig.rollouts.status(id);
    assert.equal(paused.pausedBy, 'bob');
    assert.equal(paused.step, 'canary');
    const later = await rig.rollouts.stepProgress(id, 'canary');
    assert.ok(later.handovers > early.handovers, `still handing over while paused (${early.handovers} -> ${later.handovers})`);
    assert.equal(later.lastGate?.verdict, 'pass');

    // Commands land while time runs on and runs hand over: the last of them, a stop, must win.
    const skipping = rig.env.sleep('12h');
    for (let i = 0; i < 5; i++) {
      await rig.rollouts.resume(id, { by: 'bob' });
      await rig.rollouts.pause(id, { by: 'bob' });
    }
    await rig.rollouts.stop(id, { by: 'carol', reason: 'customer report', then: 'rollback' });
    await skipping;
    const status = (await handle.result()) as RolloutStatus;
    assert.equal(status.state, 'rolled_back');
    assert.deepEqual(status.targets.map((t) => t.version), ['1.0.0', '1.0.0', '1.0.0', '1.0.0']);
    assert.ok(status.timeline.some((e) => e.by === 'carol' && e.reason === 'customer report'), JSON.stringify(status.timeline.slice(-6)));
    const runs = await runLengths(rig.env.client, stepWorkflowId(id, 'canary'));
    assert.ok(Math.max(...runs) <= HISTORY_WARNING_EVENTS, `canary runs of ${Math.max(...runs)} events`);
  });
});
