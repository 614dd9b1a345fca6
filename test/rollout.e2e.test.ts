import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { rejectsWith } from './helpers/assertions';
import { RolloutHarness, fastPlaybook } from './helpers/rolloutHarness';

describe('rollout on a real local fleet (dev server)', () => {
  const h = new RolloutHarness();
  before(async () => h.start({ size: 5 }));
  after(async () => h.stop());

  test('a good release goes canary -> waves and completes; every target installed exactly once', async () => {
    const artifact = await h.artifact('1.1.0');
    await h.startRollout(h.input('good-1', fastPlaybook(), artifact, '1.1.0'));
    const status = await h.waitFor('good-1', (s) => ['completed', 'rolled_back', 'failed'].includes(s.state));
    assert.equal(status.state, 'completed', status.outcome?.reason);
    assert.deepEqual(status.steps.map((s) => [s.name, s.state]), [['canary', 'passed'], ['wave-1', 'passed'], ['wave-2', 'passed']]);
    assert.deepEqual(Object.values(await h.versions()), Array(5).fill('1.1.0'));
    const journal = await h.journal();
    for (const [target, records] of Object.entries(journal)) {
      assert.deepEqual(records.map((r) => `${r.action} ${r.to}`), ['install 1.1.0'], target);
    }
    assert.ok(status.steps.every((s) => s.lastGate?.verdict === 'pass'), 'every step passed its health gate');
  });

  test('a faulty canary trips the breaker: only the canary changed, and it is rolled back and verified', async () => {
    const before = await h.versions();
    const beforeJournal = await h.journal();
    const artifact = await h.artifact('1.2.0-bad', { errorRate: 0.5 });
    await h.startRollout(h.input('bad-1', fastPlaybook(), artifact, '1.2.0-bad'));
    const status = await h.waitFor('bad-1', (s) => ['completed', 'rolled_back', 'failed'].includes(s.state));
    assert.equal(status.state, 'rolled_back');
    assert.equal(status.breaker?.step, 'canary');
    assert.match(status.breaker?.reasons.join(' ') ?? '', /error rate \d+\.\d% above limit 10\.0%/);
    assert.ok((status.breaker?.gate?.candidate.errorRate ?? 0) > 0.1, 'the measurements that tripped it are reported');
    assert.deepEqual(await h.versions(), before, 'every target runs what it ran before');
    const canary = status.steps[0]?.targets[0] as string;
    const journal = await h.journal();
    assert.deepEqual(journal[canary]?.slice(beforeJournal[canary]?.length).map((r) => `${r.action} ${r.to}`), ['install 1.2.0-bad', 'rollback 1.1.0']);
    for (const [id, records] of Object.entries(journal)) {
      if (id !== canary) assert.equal(records.length, beforeJournal[id]?.length, `${id} was never touched`);
    }
    assert.equal(status.targets.find((t) => t.id === canary)?.state, 'rolled_back');
  });

  test('a digest mismatch is refused before any target is touched', async () => {
    const beforeJournal = await h.journal();
    const artifact = await h.artifact('1.3.0');
    const input = h.input('digest-1', fastPlaybook(), { path: artifact.path, sha256: 'f'.repeat(64) }, '1.3.0');
    const handle = await h.startRollout(input);
    await rejectsWith(handle.result(), /sha256 mismatch/);
    const status = await h.status('digest-1');
    assert.equal(status.state, 'failed');
    assert.match(status.outcome?.reason ?? '', /no target was touched/);
    assert.deepEqual(await h.journal(), beforeJournal);
  });

  test('a release that crashes on start is caught by the gate (target down) and rolled back', async () => {
    const before = await h.versions();
    const artifact = await h.artifact('1.4.0-crash', { crash: true });
    await h.startRollout(h.input('crash-1', fastPlaybook(), artifact, '1.4.0-crash'));
    const status = await h.waitFor('crash-1', (s) => ['completed', 'rolled_back', 'failed'].includes(s.state), 120_000);
    assert.equal(status.state, 'rolled_back');
    assert.match(status.breaker?.reasons.join(' ') ?? '', /targets not serving: t-\d+/);
    assert.deepEqual(await h.versions(), before);
  });

  test('a release whose p99 latency breaks the limit is caught and rolled back', async () => {
    const before = await h.versions();
    const artifact = await h.artifact('1.5.0-slow', { latencyMs: 800 });
    const playbook = fastPlaybook({
      health: { errorRate: { max: 0.1 }, p99LatencyMs: { max: 300, maxRatio: 2 }, minSamples: 5, analysisInterval: '2s', consecutiveBreaches: 2 },
    });
    await h.startRollout(h.input('slow-1', playbook, artifact, '1.5.0-slow'));
    const status = await h.waitFor('slow-1', (s) => ['completed', 'rolled_back', 'failed'].includes(s.state), 120_000);
    assert.equal(status.state, 'rolled_back');
    assert.match(status.breaker?.reasons.join(' ') ?? '', /p99 latency \d+ms above limit 300ms/);
    assert.ok((status.breaker?.gate?.candidate.p99LatencyMs ?? 0) >= 800);
    assert.deepEqual(await h.versions(), before);
  });

  test('a breaker trip opens an incident that outlives the rollout, with the rollback reported into it', async () => {
    const artifact = await h.artifact('1.6.0-bad', { errorRate: 0.6 });
    const escalation = { policies: [{ name: 'p', severities: ['sev2'], tiers: [{ name: 'on-call', ackDeadline: '10m', people: [{ name: 'olga' }] }] }] };
    const playbook = fastPlaybook({ incidents: { severity: 'sev2', policyFile: 'unused-here.yaml' } });
    await h.startRollout({ ...h.input('incident-1', playbook, artifact, '1.6.0-bad'), escalation });
    const status = await h.waitFor('incident-1', (s) => ['completed', 'rolled_back', 'failed'].includes(s.state), 120_000);
    assert.equal(status.state, 'rolled_back');
    assert.ok(status.timeline.some((e) => e.event === 'incident opened' && e.detail === 'inc-incident-1'));
    const incidentId = 'inc-incident-1';
    let s = await h.incidents.status(incidentId);
    for (let i = 0; i < 50 && !s.timeline.some((e) => e.event === 'rollback finished'); i++) {
      await new Promise((r) => setTimeout(r, 100));
      s = await h.incidents.status(incidentId);
    }
    assert.equal(s.state, 'open', 'the incident stays open after the rollout ended');
    assert.equal(s.source, 'breaker');
    assert.equal(s.tier?.name, 'on-call');
    assert.match(s.details.reason ?? '', /error rate \d+\.\d% above limit/);
    assert.match(s.timeline.find((e) => e.event === 'rollback finished')?.detail ?? '', /back on their previous version, each verified healthy/);
    await h.incidents.ack(incidentId, { by: 'olga' });
    await h.incidents.resolve(incidentId, { by: 'olga', reason: 'rolled back' });
    assert.equal((await h.incidents.handle(incidentId).result()).state, 'resolved');
  });

  test('a degrade action switches the faulty feature off and holds, healthy, instead of rolling back', async () => {
    const before = await h.versions();
    const artifact = await h.artifact('1.7.0-flag', { errorRate: 0.6, feature: 'new-checkout' });
    const playbook = fastPlaybook({ degrade: { feature: 'new-checkout', then: 'hold' } });
    const handle = await h.startRollout(h.input('degrade-1', playbook, artifact, '1.7.0-flag'));
    const held = await h.waitFor('degrade-1', (s) => ['held', 'completed', 'rolled_back', 'failed'].includes(s.state), 120_000);
    assert.equal(held.state, 'held', held.outcome?.reason);
    assert.match(held.outcome?.reason ?? '', /degraded \(new-checkout off\) and healthy/);
    assert.ok(held.timeline.some((e) => e.event === 'degraded'));
    const canary = held.steps[0]?.targets[0] as string;
    assert.equal((await h.versions())[canary], '1.7.0-flag', 'the canary keeps the new version, with the feature off');
    const health = (await (await fetch(`${(h.fleet.fleet.targets.find((t) => t.id === canary) as { url: string }).url}/health`)).json()) as { features: Record<string, boolean> };
    assert.equal(health.features['new-checkout'], false);
    await h.rollouts.rollback(handle.workflowId, { by: 'oncall', reason: 'fix forward next week' });
    const done = await h.waitFor('degrade-1', (s) => s.state === 'rolled_back', 60_000);
    assert.equal(done.state, 'rolled_back');
    assert.deepEqual(await h.versions(), before);
  });

  test('where automated rollback is impossible, the breaker holds and the incident carries the manual recovery steps', async () => {
    const artifact = await h.artifact('1.8.0-bad', { errorRate: 0.6 });
    const escalation = { policies: [{ name: 'p', severities: ['sev1'], tiers: [{ name: 'on-call', ackDeadline: '10m', people: [{ name: 'olga' }] }] }] };
    const playbook = fastPlaybook({
      incidents: { severity: 'sev1', policyFile: 'unused-here.yaml', automatedRollback: false, manualRecovery: ['Restore the database snapshot', 'Reinstall 1.7 by hand'] },
    });
    const handle = await h.startRollout({ ...h.input('manual-1', playbook, artifact, '1.8.0-bad'), escalation });
    const held = await h.waitFor('manual-1', (s) => ['held', 'completed', 'rolled_back', 'failed'].includes(s.state), 120_000);
    assert.equal(held.state, 'held');
    assert.match(held.outcome?.reason ?? '', /automated rollback is not possible: follow the manual recovery steps/);
    const incident = await h.incidents.status('inc-manual-1');
    assert.equal(incident.details.manualRecovery, '1. Restore the database snapshot\n2. Reinstall 1.7 by hand');
    await h.rollouts.rollback(handle.workflowId, { by: 'olga', reason: 'manual recovery done, clean up' });
    await h.waitFor('manual-1', (s) => s.state === 'rolled_back', 60_000);
    await h.incidents.resolve('inc-manual-1', { by: 'olga' });
  });
});
