import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { RolloutHarness, fastPlaybook } from './helpers/rolloutHarness';
import { bundleWorkflows } from './helpers/temporal';
import { replayAndRecord, rolloutFamily } from './replayFixtures';

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

  test('fresh history, degrade-resumed: held degraded, resumed, the next wave breaches too, rolled back', async () => {
    const artifact = await h.artifact('1.7.1-flag', { errorRate: 0.6, feature: 'new-checkout' });
    const playbook = fastPlaybook({ degrade: { feature: 'new-checkout', then: 'hold' } });
    const handle = await h.startRollout(h.input('replay-degrade-resumed', playbook, artifact, '1.7.1-flag'));
    assert.equal((await h.waitFor(handle.workflowId, held, 120_000)).state, 'held');
    await h.rollouts.resume(handle.workflowId, { by: 'oncall', reason: 'contained' });
    // Today the targets installed after a resume run with the feature on (issue 8.5): wave-1
    // breaches too, is degraded and held again; recorded as it is, then rolled back.
    const judged = (x: { steps: { state: string }[]; state: string }) => ['passed', 'breached', 'halted'].includes(x.steps[1]?.state ?? '') && held(x);
    const second = await h.waitFor(handle.workflowId, judged, 120_000);
    if (second.state === 'held') await h.rollouts.rollback(handle.workflowId, { by: 'oncall' });
    const done = await h.waitFor(handle.workflowId, (x) => ['rolled_back', 'completed', 'failed'].includes(x.state), 120_000);
    assert.equal(done.state, 'rolled_back', done.outcome?.reason);
    const found = await replayAndRecord(h.client, await bundle(), rolloutFamily('degrade-resumed', handle.workflowId, done));
    for (const name of ['rollout-degrade-resumed', 'step-degrade-resumed-canary', 'step-degrade-resumed-wave-1', 'rollback-degrade-resumed']) {
      assert.ok(found.includes(name), `${name} replayed (found: ${found.join(', ')})`);
    }
  });
});
