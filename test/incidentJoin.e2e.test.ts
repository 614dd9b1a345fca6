import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { after, before, describe, test } from 'node:test';
import { webhookSignatureHeaders } from '../client/hooks/hookAuth';
import { startHookServer, type HookServer } from '../client/hooks/hookServer';
import { escalationPoliciesSchema } from '../domain/incident';
import type { IncidentStatus } from '../domain/incidentStatus';
import { rampart } from './helpers/cli';
import { RolloutHarness, fastPlaybook } from './helpers/rolloutHarness';
import { bundleWorkflows, devServerAddress } from './helpers/temporal';

const SECRET = 'webhook-secret-for-join-tests';
const escalation = { policies: [{ name: 'p', severities: ['sev1', 'sev2', 'sev3', 'sev4'], tiers: [{ name: 'on-call', ackDeadline: '10m', people: [{ name: 'olga' }] }] }] };
const policies = { raw: escalation, value: escalationPoliciesSchema.parse(escalation) };

/** What Alertmanager posts for one firing alert labelled with a rollout. */
function alertFor(rolloutId: string) {
  return JSON.stringify({
    version: '4',
    groupKey: `{}:{alertname="HighErrorRate",rollout_id="${rolloutId}"}`,
    truncatedAlerts: 0,
    status: 'firing',
    receiver: 'rampart',
    groupLabels: { alertname: 'HighErrorRate' },
    commonLabels: { alertname: 'HighErrorRate', severity: 'critical', rollout_id: rolloutId },
    commonAnnotations: { summary: `checkout errors during ${rolloutId}` },
    externalURL: 'http://alertmanager:9093',
    alerts: [{
      status: 'firing',
      labels: { alertname: 'HighErrorRate', severity: 'critical', rollout_id: rolloutId },
      annotations: { summary: `checkout errors during ${rolloutId}` },
      startsAt: '2026-12-01T10:00:00Z',
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus:9090/graph',
      fingerprint: rolloutId === 'join-1' ? '0a1b2c3d4e5f6071' : '1a2b3c4d5e6f7081',
    }],
  });
}

describe("alerts about a rollout join its breaker's incident (dev server, real fleet)", () => {
  const h = new RolloutHarness();
  let hooks: HookServer;
  let env: Record<string, string>;
  before(async () => {
    await h.start({ size: 3 });
    env = { TEMPORAL_ADDRESS: devServerAddress(), RAMPART_TASK_QUEUE: h.taskQueue };
    hooks = await startHookServer({ secret: SECRET, onAlert: (event) => h.incidents.openOrJoin(policies, event, event.source) });
  });
  after(async () => {
    await hooks?.close();
    await h.stop();
  });

  const postAlert = async (rolloutId: string) => {
    const body = alertFor(rolloutId);
    const res = await fetch(`${hooks.url}/hooks/alertmanager`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...webhookSignatureHeaders(SECRET, body) } });
    return { status: res.status, body: (await res.json()) as { incidents: { incidentId: string; opened: boolean }[] } };
  };
  const badRollout = async (rolloutId: string) => {
    const artifact = await h.artifact(`2.0.0-${rolloutId}`, { errorRate: 0.6 });
    const playbook = fastPlaybook({ incidents: { severity: 'sev2', policyFile: 'unused-here.yaml' } });
    await h.startRollout({ ...h.input(rolloutId, playbook, artifact, `2.0.0-${rolloutId}`), escalation });
    return h.waitFor(rolloutId, (s) => ['completed', 'rolled_back', 'failed'].includes(s.state), 120_000);
  };
  const waitForIncident = async (id: string, done: (s: IncidentStatus) => boolean) => {
    for (let i = 0; i < 100; i++) {
      const s = await h.incidents.status(id);
      if (done(s)) return s;
      await new Promise((r) => setTimeout(r, 100));
    }
    return h.incidents.status(id);
  };

  test("an Alertmanager alert labelled with a rollout id joins the incident that rollout's breaker opened", async () => {
    const status = await badRollout('join-1');
    assert.equal(status.state, 'rolled_back');
    assert.ok(status.timeline.some((e) => e.event === 'incident opened' && e.detail === 'inc-join-1'), JSON.stringify(status.timeline));

    const reply = await postAlert('join-1');
    assert.equal(reply.status, 202, JSON.stringify(reply.body));
    assert.deepEqual(reply.body.incidents, [{ incidentId: 'inc-join-1', opened: false }]);
    const incident = await waitForIncident('inc-join-1', (s) => s.duplicateAlerts === 1);
    assert.equal(incident.source, 'breaker', 'still the breaker\'s incident');
    assert.equal(incident.duplicateAlerts, 1);
    assert.ok(incident.timeline.some((e) => e.event === 'duplicate alert joined' && e.detail === 'alertmanager: checkout errors during join-1'));

    // A person's report with the rollout's dedup key joins it too.
    const cli = await rampart(['incident', 'open', '--severity', 'sev2', '--summary', 'customers report errors', '--dedup-key', 'rollout:join-1', '--policy', h.writeFile('esc.json', JSON.stringify(escalation))], env);
    assert.equal(cli.code, 0, cli.stderr);
    assert.equal(cli.stdout.trim(), 'joined open incident inc-join-1 (same dedup key)');
    assert.equal((await waitForIncident('inc-join-1', (s) => s.duplicateAlerts === 2)).duplicateAlerts, 2);
    await h.incidents.resolve('inc-join-1', { by: 'olga' });
  });

  test('when the alert comes first, the breaker joins the incident it opened instead of failing', async () => {
    const reply = await postAlert('join-2');
    assert.deepEqual(reply.body.incidents, [{ incidentId: 'inc-join-2', opened: true }]);
    const opened = await h.incidents.status('inc-join-2');
    assert.equal(opened.source, 'alertmanager');
    assert.equal(opened.duplicateAlerts, 0, 'the opening alert is not its own duplicate');

    const status = await badRollout('join-2');
    assert.equal(status.state, 'rolled_back', status.outcome?.reason);
    assert.ok(status.timeline.some((e) => e.event === 'incident joined' && e.detail === 'inc-join-2'), JSON.stringify(status.timeline));
    const incident = await waitForIncident('inc-join-2', (s) => s.timeline.some((e) => e.event === 'rollback finished'));
    assert.ok(incident.timeline.some((e) => e.event === 'duplicate alert joined' && /^breaker: Breaker tripped in rollout join-2/.test(e.detail ?? '')));
    assert.ok(incident.timeline.some((e) => e.event === 'rollback finished'), 'the rollback is reported into the joined incident');
    await h.incidents.resolve('inc-join-2', { by: 'olga' });

    // The joining path is new (behind patched()): its history replays, and is kept as a fixture.
    const history = await h.rollouts.handle('join-2').fetchHistory();
    await Worker.runReplayHistory({ workflowBundle: await bundleWorkflows(require.resolve('../workflows')) }, history);
    const fixture = path.join(__dirname, 'fixtures', 'histories', 'rollout-breaker-joins-incident.history.bin');
    if (process.env.RAMPART_RECORD_HISTORIES === '1' && !existsSync(fixture)) {
      writeFileSync(fixture, temporal.api.history.v1.History.encode(history).finish());
    }
  });
});
