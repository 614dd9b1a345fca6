import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { rollbackWorkflowId } from '../contract/ids';
import { describeErrors, parseInput } from '../domain/issues';
import { playbookSchema, ROLLBACK_MAX_PARALLEL } from '../domain/playbook';
import type { RolloutStatus } from '../domain/rolloutStatus';
import { TimeSkippingRig } from './helpers/dryRun';
import { fastPlaybook } from './helpers/fastPlaybook';

/** How many rollbacks the rollback workflow had running at most, from its own history. */
async function widestRollback(rig: TimeSkippingRig, rolloutId: string): Promise<number> {
  const history = await rig.env.client.workflow.getHandle(rollbackWorkflowId(rolloutId)).fetchHistory();
  let running = 0;
  let widest = 0;
  const scheduled = new Map<string, string>();
  for (const e of history.events ?? []) {
    const s = e.activityTaskScheduledEventAttributes;
    if (s) scheduled.set(String(e.eventId), s.activityType?.name ?? '');
    if (s?.activityType?.name === 'rollbackTarget') widest = Math.max(widest, ++running);
    const ended = e.activityTaskCompletedEventAttributes ?? e.activityTaskFailedEventAttributes ?? e.activityTaskTimedOutEventAttributes;
    if (ended && scheduled.get(String(ended.scheduledEventId)) === 'rollbackTarget') running--;
  }
  return widest;
}

describe('a rollback goes as wide as playbook rollback.maxParallel (time-skipping server, noop targets)', () => {
  const rig = new TimeSkippingRig('2.0.0');
  before(async () => rig.start());
  after(async () => rig.stop());

  test('the rule: 1 to 500, 20 unless the playbook says otherwise', () => {
    const parsed = parseInput(playbookSchema, fastPlaybook({}));
    assert.ok(parsed.ok);
    assert.equal(parsed.value.rollback.maxParallel, ROLLBACK_MAX_PARALLEL);
    const bad = parseInput(playbookSchema, fastPlaybook({ rollback: { maxParallel: 0 } }));
    assert.ok(!bad.ok);
    assert.match(describeErrors(bad.errors), /rollback\.maxParallel: .*>=\s*1/);
  });

  test('stop --then rollback returns changed targets several at a time, wider than the rollout went', async () => {
    const rolloutId = 'rollback-wide';
    const playbook = fastPlaybook({
      maxParallel: 2,
      rollback: { maxParallel: 6 },
      phases: { canary: { size: 1, bakeTime: '1m' }, waves: [{ size: '100%', bakeTime: '1h', maxParallel: 2 }] },
    });
    const handle = await rig.startRollout(rig.input(rolloutId, playbook, 12));
    for (let i = 0; i < 300; i++) {
      const s = await rig.rollouts.status(rolloutId);
      const wave = s.steps.find((step) => step.name === 'wave-1');
      if (wave?.state === 'baking') break;
      await rig.env.sleep('10s');
    }
    await rig.rollouts.stop(rolloutId, { by: 'oncall', then: 'rollback' });
    const done = (await handle.result()) as RolloutStatus;
    assert.equal(done.state, 'rolled_back', done.outcome?.reason);
    assert.equal(done.targets.filter((t) => t.state === 'rolled_back').length, 12);
    assert.equal(await widestRollback(rig, rolloutId), 6, 'six at a time, not the rollout\'s two');
  });
});
