import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { TrainRunInput, TrainRunResult } from '../contract/train';
import { WorkflowType } from '../contract/workflowTypes';
import { alertSignal, incidentNoteSignal } from '../contract/incident';
import { recoveryRollbackWorkflowId, recoveryWorkflowId } from '../contract/ids';
import { recoverRollout } from '../client/rolloutRecovery';
import { readRolloutStatus } from '../client/rolloutStatusView';
import type { IncidentInput } from '../domain/incident';
import type { IncidentStatus } from '../domain/incidentStatus';
import type { RolloutStatus } from '../domain/rolloutStatus';
import { dryRunFleet, TimeSkippingRig } from './helpers/dryRun';
import { startSlackServer, type SlackStandin } from '../local/standins/slackServer';
import type { SmtpStandin } from '../local/standins/smtpServer';
import { startCustomerMail } from './helpers/customerMail';
import { bundleWorkflows } from './helpers/temporal';
import { fastPlaybook } from './helpers/rolloutHarness';
import { replayAndRecord, rolloutFamily, type FixtureTarget } from './replayFixtures';

/**
 * The paths a running workflow can be on when Rampart is upgraded, each driven to its end on the
 * time-skipping server, fetched with their children, replayed on the current code and, with
 * RAMPART_RECORD_HISTORIES=1, recorded for test/replay.test.ts (two test files run them, so each
 * stays well inside the per-file timeout).
 * Each resolves to the executions to record and the names that must be among them.
 */
export interface Scenario {
  name: string;
  run(rig: TimeSkippingRig): Promise<{ targets: FixtureTarget[]; expected: string[] }>;
}

const everyDay = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((day) => ({ day, start: '00:00', duration: '24h' }));
const customersFile = {
  customers: [
    { id: 'acme', name: 'ACME', targets: ['replay-customers-1'], channel: 'early-access', timeZone: 'Europe/Berlin', contacts: { emails: ['ops@acme.example'] }, maintenanceWindows: everyDay },
    { id: 'globex', name: 'Globex', targets: ['replay-customers-3', 'replay-customers-4'], timeZone: 'America/New_York', contacts: { emails: ['it@globex.example'] }, maintenanceWindows: everyDay },
  ],
};

/** An escalation chain that pages over Slack and mail (the stand-ins the test starts). */
export const escalationPolicy: IncidentInput['policy'] = {
  name: 'replay',
  severities: ['sev1', 'sev2'],
  repeat: 1,
  tiers: [
    { name: 'on-call', ackDeadline: '5m', people: [{ name: 'olga', email: 'olga@example.com', slack: 'U0OLGA' }], channels: [{ slack: '#incidents' }] },
    { name: 'senior', ackDeadline: '10m', people: [{ name: 'sam', email: 'sam@example.com', slack: 'U0SAM' }] },
    { name: 'manager', ackDeadline: '15m', people: [{ name: 'maria', email: 'maria@example.com' }], channels: [{ email: 'leads@example.com' }] },
  ],
};

async function until(rig: TimeSkippingRig, rolloutId: string, done: (s: RolloutStatus) => boolean): Promise<RolloutStatus> {
  for (let i = 0; i < 200; i++) {
    const status = await rig.rollouts.status(rolloutId);
    if (done(status)) return status;
    await rig.env.sleep('1s');
  }
  throw new Error(`${rolloutId} did not get there: ${(await rig.rollouts.status(rolloutId)).state}`);
}

/** Ended states, and how many times a rollout was held: a second hold is a new 'held' entry. */
export const ENDED = ['completed', 'rolled_back', 'rollback_incomplete', 'failed'];
export const holds = (s: RolloutStatus) => s.timeline.filter((e) => e.event === 'held').length;

const stepNames = (status: RolloutStatus, name: string) => status.steps.map((s) => `step-${name}-${s.name}`);

export const scenarios: Scenario[] = [
  {
    // Tier by tier: an escalate Update, a deadline, a duplicate alert and a note, then an ack.
    name: 'incident-escalated-acked',
    async run(rig) {
      const incidentId = 'inc-replay-escalated';
      const input: IncidentInput = { incidentId, severity: 'sev2', summary: 'checkout errors', source: 'manual', dedupKey: incidentId, openedBy: 'alice', policy: escalationPolicy };
      const handle = await rig.incidents.start(input);
      assert.match(await rig.incidents.escalate(incidentId, { by: 'olga', reason: 'need database help' }), /to tier senior/);
      await rig.env.sleep('11m');
      assert.equal((await rig.incidents.status(incidentId)).tier?.name, 'manager');
      await handle.signal(alertSignal, { source: 'alertmanager', severity: 'sev2', summary: 'still failing', dedupKey: incidentId });
      await handle.signal(incidentNoteSignal, { event: 'rollback finished', detail: 'every target back on 1.0.0' });
      await rig.incidents.ack(incidentId, { by: 'maria', reason: 'looking' });
      await rig.env.sleep('1h');
      await rig.incidents.resolve(incidentId, { by: 'maria', reason: 'config reverted' });
      const done = (await handle.result()) as IncidentStatus;
      assert.equal(done.state, 'resolved');
      return { targets: [{ file: 'incident-escalated-acked', workflowId: incidentId }], expected: ['incident-escalated-acked'] };
    },
  },
  {
    name: 'completed',
    async run(rig) {
      const h = await rig.startRollout(rig.input('replay-completed', fastPlaybook()));
      const done = (await h.result()) as RolloutStatus;
      assert.equal(done.state, 'completed');
      // Each step child baked over several analysis windows.
      return { targets: rolloutFamily('completed', h.workflowId, done), expected: ['rollout-completed', ...stepNames(done, 'completed')] };
    },
  },
  {
    name: 'approved',
    async run(rig) {
      const h = await rig.startRollout(rig.input('replay-approved', fastPlaybook({ approvals: [{ step: 'canary', count: 1 }] })));
      await until(rig, h.workflowId, (s) => s.state === 'awaiting_approval');
      await rig.rollouts.approve(h.workflowId, { by: 'bob' });
      const done = (await h.result()) as RolloutStatus;
      assert.equal(done.state, 'completed');
      return { targets: rolloutFamily('approved', h.workflowId, done), expected: ['rollout-approved'] };
    },
  },
  {
    name: 'customers',
    async run(rig) {
      const h = await rig.startRollout({ ...rig.input('replay-customers', fastPlaybook({ customers: { noticeBefore: '0s' } })), customers: customersFile });
      // Workflow time on this server is ahead of the wall clock once earlier scenarios skipped time.
      const { startedAt } = await rig.rollouts.status(h.workflowId);
      await rig.rollouts.defer(h.workflowId, { customerId: 'globex', until: new Date(Date.parse(startedAt) + 3_600_000).toISOString(), by: 'it@globex.example' });
      const done = (await h.result()) as RolloutStatus;
      assert.equal(done.state, 'completed');
      const targets = rolloutFamily('customers', h.workflowId, done, customersFile.customers.map((c) => c.id));
      return { targets, expected: ['rollout-customers', 'step-customers-canary@acme'] };
    },
  },
  {
    // Since patch customer-batches: bookings and notices in batches, customers sharing a window in one slot.
    name: 'customer-batches',
    async run(rig) {
      const prefix = 'replay-customer-batches';
      const customers = {
        customers: [
          { ...customersFile.customers[0]!, targets: [`${prefix}-1`] },
          { ...customersFile.customers[1]!, targets: [`${prefix}-3`] },
          { id: 'initech', name: 'Initech', targets: [`${prefix}-4`], timeZone: 'America/New_York', contacts: { emails: ['it@initech.example'] }, maintenanceWindows: everyDay },
        ],
      };
      const playbook = fastPlaybook({ phases: { canary: { size: 1, bakeTime: '2s' }, waves: [{ size: '100%', bakeTime: '2s', maxParallel: 3 }] }, customers: { noticeBefore: '0s' } });
      const h = await rig.startRollout({ ...rig.input(prefix, playbook), customers });
      const done = (await h.result()) as RolloutStatus;
      assert.equal(done.state, 'completed');
      assert.ok(done.timeline.some((e) => e.event === 'customer window open' && e.detail?.startsWith('globex, initech:')), 'globex and initech share a slot');
      const targets = rolloutFamily('customer-batches', h.workflowId, done, customers.customers.map((c) => c.id));
      return { targets, expected: ['rollout-customer-batches', 'step-customer-batches-canary@acme', 'step-customer-batches-wave-1@globex'] };
    },
  },
  {
    // Since patch customers-restore-unconfirmed: a customer whose system never answers is not told
    // service is restored; the customer incident is handed to people (public state "monitoring").
    name: 'customers-restore-unconfirmed',
    async run(rig) {
      const rolloutId = 'replay-customers-restore-unconfirmed';
      const fleet = dryRunFleet(rolloutId, 4);
      fleet.targets[0] = { id: `${rolloutId}-1`, adapter: 'webhook', url: 'http://127.0.0.1:1/deploy', healthUrl: 'http://127.0.0.1:1', secretEnv: 'RAMPART_REPLAY_UNREACHABLE_SECRET', labels: {} } as never;
      const customers = { customers: [{ ...customersFile.customers[0]!, targets: [`${rolloutId}-1`] }] };
      const h = await rig.startRollout({ ...rig.input(rolloutId, fastPlaybook({ customers: { noticeBefore: '0s' } })), fleet, customers });
      const done = (await h.result()) as RolloutStatus;
      assert.equal(done.state, 'rollback_incomplete', done.outcome?.reason);
      assert.equal(done.customers?.[0]?.state, 'restore_unconfirmed');
      assert.equal(done.publicIncidents?.at(-1)?.state, 'monitoring');
      const targets = rolloutFamily('customers-restore-unconfirmed', rolloutId, done, ['acme']);
      return { targets, expected: ['rollout-customers-restore-unconfirmed', 'step-customers-restore-unconfirmed-canary@acme', 'rollback-customers-restore-unconfirmed'] };
    },
  },
  {
    name: 'stopped',
    async run(rig) {
      const playbook = fastPlaybook({ phases: { canary: { size: 1, bakeTime: '1h' }, waves: [{ size: '100%', bakeTime: '1h' }] } });
      const h = await rig.startRollout(rig.input('replay-stopped', playbook));
      await until(rig, h.workflowId, (s) => s.step === 'canary');
      await rig.rollouts.stop(h.workflowId, { by: 'oncall', then: 'rollback' });
      const done = (await h.result()) as RolloutStatus;
      assert.equal(done.state, 'rolled_back');
      return { targets: rolloutFamily('stopped', h.workflowId, done), expected: ['rollout-stopped', 'step-stopped-canary', 'rollback-stopped'] };
    },
  },
  {
    // Terminated behind Rampart's back mid-canary, then `rollout recover`: the recovery workflow
    // and its rollback child (dry-run targets keep no journal: the last known status stands in).
    name: 'recovered',
    async run(rig) {
      const playbook = fastPlaybook({ phases: { canary: { size: 1, bakeTime: '1h' }, waves: [{ size: '100%', bakeTime: '1h' }] } });
      const h = await rig.startRollout(rig.input('replay-recovered', playbook));
      for (let i = 0; (await readRolloutStatus(rig.rollouts, h.workflowId)).steps[0]?.state !== 'baking'; i++) {
        assert.ok(i < 100, 'the canary bakes');
        await rig.env.sleep('1s');
      }
      await h.terminate('replay: ended outside Rampart');
      const result = await recoverRollout(rig.rollouts, h.workflowId, { by: 'oncall', reason: 'replay fixture' });
      assert.equal(result.state, 'rolled_back');
      assert.equal(result.outcomes.length, 1, 'the canary target is rolled back');
      const targets = [
        { file: 'recovery-recovered', workflowId: recoveryWorkflowId(h.workflowId) },
        { file: 'rollback-recovered', workflowId: recoveryRollbackWorkflowId(h.workflowId) },
      ];
      return { targets, expected: ['recovery-recovered', 'rollback-recovered'] };
    },
  },
  {
    // Pause and resume reach the running step child as control signals.
    name: 'paused-mid-step',
    async run(rig) {
      const playbook = fastPlaybook({ phases: { canary: { size: 1, bakeTime: '1m' }, waves: [{ size: '100%', bakeTime: '10s' }] } });
      const h = await rig.startRollout(rig.input('replay-paused-mid-step', playbook));
      await until(rig, h.workflowId, (s) => s.step === 'canary');
      await rig.rollouts.pause(h.workflowId, { by: 'oncall', reason: 'another alert' });
      await rig.env.sleep('5m');
      await rig.rollouts.resume(h.workflowId, { by: 'oncall' });
      const done = (await h.result()) as RolloutStatus;
      assert.equal(done.state, 'completed');
      return { targets: rolloutFamily('paused-mid-step', h.workflowId, done), expected: ['rollout-paused-mid-step', 'step-paused-mid-step-canary'] };
    },
  },
  {
    // The canary's install fails (nobody listens): the breaker opens an incident and holds
    // (onBreach: pause); on-call resumes. What follows depends on the code (on the code these
    // fixtures came from, wave-1 breached too and joined the incident); a second hold is rolled
    // back, and the incident is acknowledged and resolved.
    name: 'breach-resumed',
    async run(rig) {
      const rolloutId = 'replay-breach-resumed';
      const input = rig.input(rolloutId, fastPlaybook({ onBreach: 'pause', incidents: { severity: 'sev2', policyFile: 'inline' } }));
      const unreachable = { id: `${rolloutId}-w`, adapter: 'webhook', url: 'http://127.0.0.1:1/deploy', healthUrl: 'http://127.0.0.1:1', secretEnv: 'RAMPART_REPLAY_UNREACHABLE_SECRET', labels: {} };
      const fleet = dryRunFleet(rolloutId, 4);
      fleet.targets.unshift(unreachable as never);
      const h = await rig.startRollout({ ...input, fleet, escalation: { policies: [escalationPolicy] } });
      const held = await until(rig, rolloutId, (s) => s.state === 'held');
      assert.equal(held.breaker?.step, 'canary');
      await rig.env.sleep('6m');
      await rig.rollouts.resume(rolloutId, { by: 'oncall', reason: 'the webhook host is retired' });
      const next = await until(rig, rolloutId, (s) => ENDED.includes(s.state) || (s.state === 'held' && holds(s) > holds(held)));
      const incidentId = `inc-${rolloutId}`;
      await rig.incidents.ack(incidentId, { by: 'sam' });
      if (next.state === 'held') await rig.rollouts.rollback(rolloutId, { by: 'sam', reason: 'webhook host gone' });
      const done = (await h.result()) as RolloutStatus;
      // The canary target never answers, so a rollback may end unverified on it (rollback_incomplete).
      assert.ok(['rolled_back', 'rollback_incomplete', 'completed'].includes(done.state), `${done.state}: ${done.outcome?.reason}`);
      await rig.incidents.resolve(incidentId, { by: 'sam', reason: 'handled' });
      assert.equal(((await rig.incidents.handle(incidentId).result()) as IncidentStatus).state, 'resolved');
      const expected = ['rollout-breach-resumed', 'step-breach-resumed-canary', 'incident-breach-resumed', ...(done.state === 'completed' ? [] : ['rollback-breach-resumed'])];
      return { targets: rolloutFamily('breach-resumed', rolloutId, done), expected };
    },
  },
  {
    // Since patch drill: a game day's rollout (customers given, never read), its breaker trips on
    // the canary (nobody listens), nothing is quarantined, and its incident pages marked [DRILL].
    name: 'drill',
    async run(rig) {
      const rolloutId = 'replay-drill';
      const input = rig.input(rolloutId, fastPlaybook({ incidents: { severity: 'sev2', policyFile: 'inline' }, customers: { noticeBefore: '0s' } }));
      const unreachable = { id: `${rolloutId}-w`, adapter: 'webhook', url: 'http://127.0.0.1:1/deploy', healthUrl: 'http://127.0.0.1:1', secretEnv: 'RAMPART_REPLAY_UNREACHABLE_SECRET', labels: {} };
      const fleet = dryRunFleet(rolloutId, 3);
      fleet.targets.unshift(unreachable as never);
      const customers = { customers: [{ ...customersFile.customers[0]!, targets: [`${rolloutId}-1`] }] };
      const h = await rig.startRollout({ ...input, fleet, customers, escalation: { policies: [escalationPolicy] }, drill: { scenario: 'error-rate' } });
      const done = (await h.result()) as RolloutStatus;
      assert.equal(done.breaker?.step, 'canary');
      assert.deepEqual(done.drill, { scenario: 'error-rate' });
      assert.equal(done.customers, null, 'a drill reads no customers');
      assert.ok(!done.timeline.some((e) => e.event === 'version quarantined'), 'a drill quarantines nothing');
      const incidentId = `inc-${rolloutId}`;
      await rig.incidents.ack(incidentId, { by: 'olga' });
      await rig.incidents.resolve(incidentId, { by: 'olga', reason: 'drill over' });
      assert.equal(((await rig.incidents.handle(incidentId).result()) as IncidentStatus).state, 'resolved');
      return { targets: rolloutFamily('drill', rolloutId, done), expected: ['rollout-drill', 'step-drill-canary', 'incident-drill'] };
    },
  },
  {
    // Since patch drill: a game-day train's run starts a drill rollout of its channel's pick, an id of its own per run.
    name: 'train-drill',
    async run(rig) {
      const input: TrainRunInput = {
        train: 'game-day',
        channel: path.dirname(rig.artifact.path),
        playbook: fastPlaybook(),
        fleet: dryRunFleet('replay-train-drill', 3),
        drill: { scenario: 'crash' },
      };
      const handle = await rig.env.client.workflow.start(WorkflowType.trainRun, { taskQueue: rig.taskQueue, workflowId: 'replay-train-drill-run', args: [input] });
      const result = (await handle.result()) as TrainRunResult;
      assert.equal(result.outcome, 'drilled', result.reason);
      assert.match(result.rolloutId ?? '', /^drill-game-day-9\.0\.0-[0-9a-f]{8}$/);
      const status = await rig.rollouts.status(result.rolloutId!);
      assert.deepEqual(status.drill, { scenario: 'crash' });
      return { targets: [{ file: 'train-run-drill', workflowId: 'replay-train-drill-run' }], expected: ['train-run-drill'] };
    },
  },
];

const SLACK_TOKEN = 'xoxb-rampart-replay-token';

/** One time-skipping server and worker (with Slack and SMTP stand-ins) for the named scenarios. */
export function describeScenarios(names: string[]): void {
  describe('fresh workflow histories replay on the current code (time-skipping server)', () => {
    const rig = new TimeSkippingRig('9.0.0');
    let smtp: SmtpStandin;
    let slack: SlackStandin;
    before(async () => {
      smtp = await startCustomerMail('replay');
      slack = await startSlackServer({ tokens: [SLACK_TOKEN] });
      // Read by the worker the rig starts; the unreachable webhook target names a secret that exists.
      Object.assign(process.env, { SLACK_BOT_TOKEN: SLACK_TOKEN, SLACK_API_URL: slack.url, RAMPART_REPLAY_UNREACHABLE_SECRET: 'nobody-listens' });
      await rig.start();
    });
    after(async () => {
      await rig.stop();
      await slack?.close();
      await smtp?.close();
    });

    for (const scenario of scenarios.filter((s) => names.includes(s.name))) {
      test(`${scenario.name}: the workflow and its children replay without nondeterminism`, async () => {
        const { targets, expected } = await scenario.run(rig);
        const found = await replayAndRecord(rig.env.client, await bundleWorkflows(require.resolve('../workflows')), targets);
        for (const name of expected) assert.ok(found.includes(name), `${name} was fetched and replayed (found: ${found.join(', ')})`);
      });
    }
  });
}
