import assert from 'node:assert/strict';
import { alertSignal } from '../contract/incident';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { IncidentInput } from '../domain/incident';
import type { IncidentStatus } from '../domain/incidentStatus';
import { rejectsWith } from './helpers/assertions';
import { TimeSkippingRig } from './helpers/dryRun';
import { fastPlaybook } from './helpers/rolloutHarness';
import type { RolloutStatus } from '../domain/rolloutStatus';

const MINUTE = 60_000;

/** Tiers without channels: this file is about the chain's durable timers, not delivery. */
function incident(id: string, repeat = 1): IncidentInput {
  return {
    incidentId: id,
    severity: 'sev2',
    summary: 'error rate above 5% on checkout',
    source: 'manual',
    dedupKey: id,
    openedBy: 'alice',
    policy: {
      name: 'default',
      severities: ['sev1', 'sev2'],
      repeat,
      tiers: [
        { name: 'on-call', ackDeadline: '5m', people: [{ name: 'olga' }] },
        { name: 'senior', ackDeadline: '10m', people: [{ name: 'sam' }] },
        { name: 'manager', ackDeadline: '15m', people: [{ name: 'maria' }] },
      ],
    },
  };
}

const paged = (s: IncidentStatus) => s.timeline.filter((e) => e.event === 'paged' || e.event === 'escalated');

describe('escalation chains on durable timers (time-skipping server)', () => {
  const rig = new TimeSkippingRig('1.0.1');
  before(async () => rig.start());
  after(async () => rig.stop());

  const start = (input: IncidentInput) =>
    rig.incidents.start(input);

  test('an unacknowledged incident escalates tier by tier on each deadline', async () => {
    const handle = await start(incident('inc-escalates'));
    await rig.env.sleep('16m');
    const s = await rig.incidents.status(handle.workflowId);
    assert.equal(s.tier?.name, 'manager');
    const times = paged(s).map((e) => Date.parse(e.at));
    assert.deepEqual(paged(s).map((e) => e.detail?.split(' (')[0]), ['tier on-call', 'tier senior', 'tier manager']);
    assert.ok(Math.abs(times[1]! - times[0]! - 5 * MINUTE) < 1000, 'senior paged 5 minutes after on-call');
    assert.ok(Math.abs(times[2]! - times[1]! - 10 * MINUTE) < 1000, 'manager paged 10 minutes after senior');
    await rejectsWith(rig.incidents.ack(handle.workflowId, { by: 'olga' }), /olga is not on the paged tier manager \(roster: maria\)/);
    assert.match(await rig.incidents.ack(handle.workflowId, { by: 'maria', reason: 'looking' }), /acknowledged/);
    await rig.incidents.resolve(handle.workflowId, { by: 'maria', reason: 'rolled back' });
    const done = (await handle.result()) as IncidentStatus;
    assert.equal(done.state, 'resolved');
    assert.deepEqual(done.acknowledged?.by, 'maria');
    // The root cause analysis document, from the workflow's own timeline.
    const report = readFileSync(path.join(process.env.RAMPART_STATE_DIR ?? '.rampart', 'incidents', 'inc-escalates.md'), 'utf8');
    assert.match(report, /^# Incident inc-escalates: error rate above 5% on checkout/);
    assert.match(report, /\| time to acknowledge \| 16\.\d min \|/);
    assert.match(report, /\| [0-9T:.-]+Z \| acknowledged \| maria \| looking \|/);
    assert.match(report, /\| [0-9T:.-]+Z \| escalated \| rampart \| tier manager/);
    for (const section of ['## Root cause', '## Contributing factors', '## Corrective actions']) assert.ok(report.includes(section), section);
  });

  test('an ack stops the escalation: no further tier is paged, however long it stays open', async () => {
    const handle = await start(incident('inc-acked'));
    await rig.env.sleep('2m');
    await rig.incidents.ack(handle.workflowId, { by: 'olga' });
    await rig.env.sleep('3h');
    const s = await rig.incidents.status(handle.workflowId);
    assert.equal(s.state, 'acknowledged');
    assert.equal(paged(s).length, 1);
    await rejectsWith(rig.incidents.ack(handle.workflowId, { by: 'olga' }), /already acknowledged/);
    await rejectsWith(rig.incidents.escalate(handle.workflowId, { by: 'olga' }), /only an open incident escalates/);
    await rig.incidents.resolve(handle.workflowId, { by: 'olga' });
    assert.equal(((await handle.result()) as IncidentStatus).state, 'resolved');
  });

  test('the chain repeats, then records a near miss and stays at the last tier', async () => {
    const handle = await start(incident('inc-exhausted', 2));
    await rig.env.sleep('2h');
    const s = await rig.incidents.status(handle.workflowId);
    assert.equal(paged(s).length, 6, 'two walks of three tiers');
    assert.equal(s.cycle, 2);
    assert.deepEqual(s.nearMisses.map((n) => n.kind), ['escalation-last-tier']);
    assert.match(await rig.incidents.escalate(handle.workflowId, { by: 'maria', reason: 'no answer' }), /already at its last tier manager; it stays paged/);
    await rig.incidents.resolve(handle.workflowId, { by: 'maria' });
    assert.equal(((await handle.result()) as IncidentStatus).state, 'resolved');
  });

  test('escalate pages the next tier at once; duplicate alerts join instead of opening another incident', async () => {
    const handle = await start(incident('inc-escalate-now'));
    assert.equal(
      await rig.incidents.escalate(handle.workflowId, { by: 'olga', reason: 'need database help' }),
      'escalated inc-escalate-now to tier senior (sam)',
    );
    await handle.signal(alertSignal, { source: 'alertmanager', severity: 'sev2', summary: 'still failing', dedupKey: 'inc-escalate-now' });
    const s = await rig.incidents.status(handle.workflowId);
    assert.equal(s.tier?.name, 'senior');
    assert.equal(s.duplicateAlerts, 1);
    await rejectsWith(rig.incidents.ack(handle.workflowId, { by: 'bad name!' }), /invalid command: by/);
    await rig.incidents.resolve(handle.workflowId, { by: 'sam' });
  });

  test('a breaker trip opens an incident whose escalation runs on time', async () => {
    // A target nobody answers for: every install fails, which trips the breaker.
    process.env.RAMPART_TEST_UNREACHABLE_SECRET = 'not-used-because-nobody-listens';
    const fleet = { name: 'unreachable', version: '1.0.0', targets: [{ id: 'w-1', adapter: 'webhook', url: 'http://127.0.0.1:1/deploy', healthUrl: 'http://127.0.0.1:1', secretEnv: 'RAMPART_TEST_UNREACHABLE_SECRET', labels: {} }] };
    const playbook = fastPlaybook({ method: 'direct', phases: { waves: [{ size: '100%', bakeTime: '10m' }] }, incidents: { severity: 'sev2', policyFile: 'inline' } });
    const escalation = { policies: [incident('x').policy] };
    const rollout = await rig.startRollout({ ...rig.input('breaker-rollout', playbook), fleet, escalation });
    const ended = (await rollout.result()) as RolloutStatus;
    // w-1 never answers, so its rollback cannot be verified: the rollout says so instead of rolled_back.
    assert.equal(ended.state, 'rollback_incomplete');
    assert.match(ended.breaker?.reasons.join(' ') ?? '', /install failed on w-1/);
    const handle = rig.env.client.workflow.getHandle('inc-breaker-rollout');
    await rig.env.sleep('6m');
    const s = await rig.incidents.status(handle.workflowId);
    assert.equal(s.source, 'breaker');
    assert.deepEqual(paged(s).map((e) => e.detail?.split(' (')[0]), ['tier on-call', 'tier senior']);
    const gap = Date.parse(paged(s)[1]!.at) - Date.parse(paged(s)[0]!.at);
    assert.ok(Math.abs(gap - 5 * MINUTE) < 1000, `senior paged ${gap} ms after on-call`);
    assert.ok(s.timeline.some((e) => e.event === 'rollback incomplete'), 'the unverified rollback is reported into the incident');
    await rig.incidents.ack(handle.workflowId, { by: 'sam' });
    await rig.incidents.resolve(handle.workflowId, { by: 'sam' });
    assert.equal(((await handle.result()) as IncidentStatus).state, 'resolved');
  });
});
