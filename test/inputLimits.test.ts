import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import type { IncidentInput } from '../domain/incident';
import { TimeSkippingRig } from './helpers/dryRun';
import { fastPlaybook } from './helpers/fastPlaybook';

/**
 * What validates is what runs, on the workflow side too: a client that skips the CLI and hands a
 * workflow durations it could not run (10^20 days, 400 digits, 0 ms, a 0 s deadline) gets a
 * failed workflow that says why, at once, not a workflow whose every task fails forever.
 */

/** The failure the workflow ended with, or a clear test failure when it has not ended in 60 s (it is wedged). */
async function failureOf(handle: WorkflowHandle): Promise<string> {
  const outcome = await Promise.race([
    handle.result().then(() => 'completed', (err: unknown) => err),
    new Promise((resolve) => setTimeout(() => resolve('still running after 60 s: wedged'), 60_000).unref()),
  ]);
  assert.ok(outcome instanceof WorkflowFailedError, `${handle.workflowId} failed, but: ${String(outcome)}`);
  return outcome.cause?.message ?? outcome.message;
}

const huge = '99999999999999999999d';
const digits = `1${'0'.repeat(400)}d`;

describe('workflows refuse input they could not run (time-skipping server)', () => {
  const rig = new TimeSkippingRig('2.0.0');
  before(async () => rig.start());
  after(async () => rig.stop());

  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['soak-huge', { phases: { dogfood: { targets: ['soak-huge-1'], soakTime: huge }, canary: { size: 1, bakeTime: '1s' }, waves: [{ size: '100%', bakeTime: '1s' }] } }, /playbook\.phases\.dogfood\.soakTime: expected a duration from 0s to 90d/],
    ['bake-digits', { phases: { canary: { size: 1, bakeTime: digits }, waves: [{ size: '100%', bakeTime: '1s' }] } }, /playbook\.phases\.canary\.bakeTime: expected a duration from 0s to 90d/],
    ['interval-zero', { health: { errorRate: { max: 0.1 }, analysisInterval: '0ms' } }, /playbook\.health\.analysisInterval: expected a duration from 1s to 1h/],
  ];
  for (const [id, overrides, reason] of cases) {
    test(`a rollout started straight through Temporal with ${id} fails planning with the reason and reads no target`, async () => {
      const handle = await rig.startRollout(rig.input(`limits-${id}`, fastPlaybook(overrides)));
      assert.match(await failureOf(handle), reason);
      const status = await rig.rollouts.status(`limits-${id}`);
      assert.equal(status.state, 'failed');
      assert.match(status.outcome?.reason ?? '', /^planning check failed: /);
      assert.deepEqual(status.targets, [], 'no target was read, let alone changed');
      assert.ok(!status.timeline.some((e) => e.event === 'planning checks passed' || e.event === 'step started'), status.timeline.map((e) => e.event).join(', '));
    });
  }

  test('a rollout whose escalation policy has a 0 s deadline fails planning, before the breaker would need it', async () => {
    const input = rig.input('limits-escalation', fastPlaybook({ incidents: { policyFile: 'policy.yaml' } }));
    const escalation = { policies: [{ name: 'p', severities: ['sev2'], tiers: [{ name: 'on-call', ackDeadline: '0s', people: [{ name: 'olga' }] }] }] };
    const handle = await rig.startRollout({ ...input, escalation });
    assert.match(await failureOf(handle), /escalation\.policies\[0\]\.tiers\[0\]\.ackDeadline: expected a duration from 1s to 7d/);
  });

  const incident = (id: string, ackDeadline: string): IncidentInput => ({
    incidentId: id, severity: 'sev2', summary: 'checkout errors', source: 'manual', dedupKey: id, openedBy: 'alice',
    policy: { name: 'p', severities: ['sev2'], tiers: [{ name: 'on-call', ackDeadline, people: [{ name: 'olga' }] }, { name: 'senior', ackDeadline: '10m', people: [{ name: 'sam' }] }] },
  });
  for (const [id, deadline] of [['inc-limits-zero', '0s'], ['inc-limits-huge', huge]] as const) {
    test(`an incident opened straight through Temporal with ackDeadline ${deadline === huge ? '10^20 days' : deadline} fails at once with the reason`, async () => {
      const handle = await rig.incidents.start(incident(id, deadline));
      assert.match(await failureOf(handle), /escalation policy invalid: tiers\[0\]\.ackDeadline: expected a duration from 1s to 7d/);
    });
  }
});
