import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { RolloutHarness, fastPlaybook } from './helpers/rolloutHarness';
import { bundleWorkflows } from './helpers/temporal';
import { replayAndRecord, rolloutFamily } from './replayFixtures';
import { ENDED, holds } from './replayScenarios';

/**
 * The breach paths that need real metrics (a release whose feature raises the error rate), on a
 * local fleet and the dev server: degrade and hold, then roll back or resume. Recorded with
 * RAMPART_RECORD_HISTORIES=1 like test/replay.test.ts, which replays every stored fixture.
 */
const escalation = { policies: [{ name: 'p', severities: ['sev2'], tiers: [{ name: 'on-call', ackDeadline: '10m', people: [{ name: 'olga' }] }] }] };
const held = (s: { state: string }) => ['held', 'completed', 'rolled_back', 'failed'].includes(s.state);

describe('breach paths replay on the current code (local fleet, dev server)', () => {
  const h = new RolloutHarness();
  before(async () => h.start({ size: 4 }));
  after(async () => h.stop());
  const bundle = () => bundleWorkflows(require.resolve('../workflows'));

  test('fresh history, degrade-held-rolled-back: degrade, hold healthy, roll back; with its incident', async () => {
    const artifact = await h.artifact('1.7.0-flag', { errorRate: 0.6, feature: 'new-checkout' });
    const playbook = fastPlaybook({ degrade: { feature: 'new-checkout', then: 'hold' }, incidents: { severity: 'sev2', policyFile: 'inline' } });
    const handle = await h.startRollout({ ...h.input('replay-degrade-held', playbook, artifact, '1.7.0-flag'), escalation });
    const s = await h.waitFor(handle.workflowId, held, 120_000);
    assert.equal(s.state, 'held', s.outcome?.reason);
    assert.match(s.outcome?.reason ?? '', /degraded \(new-checkout off\) and healthy/);
    await h.rollouts.rollback(handle.workflowId, { by: 'oncall', reason: 'fix forward' });
    const done = await h.waitFor(handle.workflowId, (x) => x.state === 'rolled_back', 60_000);
    const incidentId = `inc-${handle.workflowId}`;
    await h.incidents.ack(incidentId, { by: 'olga' });
    await h.incidents.resolve(incidentId, { by: 'olga', reason: 'rolled back' });
    assert.equal((await h.incidents.handle(incidentId).result()).state, 'resolved');
    const found = await replayAndRecord(h.client, await bundle(), rolloutFamily('degrade-held-rolled-back', handle.workflowId, done));
    for (const name of ['rollout-degrade-held-rolled-back', 'step-degrade-held-rolled-back-canary', 'rollback-degrade-held-rolled-back', 'incident-degrade-held-rolled-back']) {
      assert.ok(found.includes(name), `${name} replayed (found: ${found.join(', ')})`);
    }
  });

  test('fresh history, degrade-resumed: held degraded, resumed, driven to its end', async () => {
    const artifact = await h.artifact('1.7.1-flag', { errorRate: 0.6, feature: 'new-checkout' });
    const playbook = fastPlaybook({ degrade: { feature: 'new-checkout', then: 'hold' } });
    const handle = await h.startRollout(h.input('replay-degrade-resumed', playbook, artifact, '1.7.1-flag'));
    const first = await h.waitFor(handle.workflowId, held, 120_000);
    assert.equal(first.state, 'held', first.outcome?.reason);
    await h.rollouts.resume(handle.workflowId, { by: 'oncall', reason: 'contained' });
    // What follows depends on the code: on the code these fixtures came from, the targets installed
    // after the resume ran with the feature on, breached and were held again (then rolled back here).
    const next = await h.waitFor(handle.workflowId, (x) => ENDED.includes(x.state) || (x.state === 'held' && holds(x) > holds(first)), 120_000);
    if (next.state === 'held') await h.rollouts.rollback(handle.workflowId, { by: 'oncall' });
    const done = await h.waitFor(handle.workflowId, (x) => ENDED.includes(x.state), 120_000);
    assert.ok(['rolled_back', 'completed'].includes(done.state), `${done.state}: ${done.outcome?.reason}`);
    const found = await replayAndRecord(h.client, await bundle(), rolloutFamily('degrade-resumed', handle.workflowId, done));
    for (const name of ['rollout-degrade-resumed', 'step-degrade-resumed-canary', 'step-degrade-resumed-wave-1']) {
      assert.ok(found.includes(name), `${name} replayed (found: ${found.join(', ')})`);
    }
  });
});
