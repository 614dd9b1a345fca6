import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { ReleaseReport } from '../domain/releaseReport';
import type { RolloutStatus } from '../domain/rolloutStatus';
import { rampart } from './helpers/cli';
import { FROM_VERSION, RolloutHarness, fastPlaybook } from './helpers/rolloutHarness';
import { bundleWorkflows, devServerAddress } from './helpers/temporal';
import { replayAndRecord, rolloutFamily } from './replayFixtures';

/**
 * Feedback into the next plan (issue 10, point 6) on the dev server with a real worker, fleet and
 * CLI: a rollout that ends (completed after a hold, rolled back by its breaker) writes a release
 * report the CLI prints, with each success criterion judged on measured values; the next rollout
 * of the playbook shows the earlier near misses and open corrective actions and is held for one
 * more approval while a high one is open; a high risk doubles the bake times.
 */
const PLAYBOOK = 'report-release';
const escalation = { policies: [{ name: 'p', severities: ['sev1', 'sev2', 'sev3', 'sev4'], tiers: [{ name: 'on-call', ackDeadline: '10m', people: [{ name: 'olga' }] }] }] };
const criteria = ['errorRate < 0.05 on every step', 'no rollback', 'p99LatencyMs < 5000', 'customers are happy'];
const playbook = (overrides: Record<string, unknown> = {}) => fastPlaybook({
  name: PLAYBOOK,
  planning: { riskAssessment: { level: 'low', summary: 'routine' }, preMortem: ['the new version fails its gate'], successCriteria: criteria, requireApprovalWhileOpen: { severity: 'high' } },
  phases: { canary: { size: 1, bakeTime: '4s' }, waves: [{ size: '100%', bakeTime: '1s', maxParallel: 2 }] },
  incidents: { severity: 'sev2', policyFile: 'unused-here.yaml' },
  ...overrides,
});

describe('release reports and feedback into the next plan (dev server, real worker, fleet and CLI)', () => {
  const h = new RolloutHarness();
  const stateDir = path.join(h.dir, 'state');
  let env: Record<string, string>;
  let bundle: WorkflowBundleWithSourceMap;
  const cli = (...args: string[]) => rampart(args, env);
  const report = async (id: string): Promise<ReleaseReport> => {
    const r = await cli('release', 'report', id, '--json');
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as ReleaseReport;
  };
  const judged = (r: ReleaseReport, text: string) => r.successCriteria.find((c) => c.text === text);
  const record = async (name: string, id: string) => {
    const status: RolloutStatus = await h.status(id);
    const found = await replayAndRecord(h.client, bundle, rolloutFamily(name, id, status));
    assert.ok(found.includes(`rollout-${name}`));
  };

  before(async () => {
    // The worker and the CLI read the same state folder, as on one machine.
    process.env.RAMPART_STATE_DIR = stateDir;
    await h.start({ size: 3 });
    env = { TEMPORAL_ADDRESS: devServerAddress(), RAMPART_TASK_QUEUE: h.taskQueue, RAMPART_STATE_DIR: stateDir };
    bundle = await bundleWorkflows(require.resolve('../workflows'));
  });
  after(() => h.stop());

  test('an unknown rollout has no report: exit 4 naming it and where reports are looked for', async () => {
    const r = await cli('release', 'report', 'no-such-rollout');
    assert.equal(r.code, 4, r.stderr);
    assert.match(r.stderr, /no rollout no-such-rollout, and no release report for it in .*\/state\/releases/);
  });

  test('a held rollout has an interim report; once it completes, the report judges every criterion on measured values and keeps the near miss', async () => {
    const artifact = await h.artifact('2.0.0');
    await h.startRollout(h.input('rr-good', playbook(), artifact, '2.0.0'));
    await h.waitForProgress('rr-good', (s) => s.steps.find((x) => x.name === 'canary')?.state === 'baking');
    const stop = await cli('rollout', 'stop', 'rr-good', '--then', 'hold', '--by', 'bob', '--reason', 'checking a dashboard');
    assert.equal(stop.code, 0, stop.stderr);
    await h.waitFor('rr-good', (s) => s.state === 'held' && s.releaseReport?.interim === true);
    const interim = await report('rr-good');
    assert.equal(interim.state, 'held');
    assert.equal(interim.interim, true);

    const resume = await cli('rollout', 'resume', 'rr-good', '--by', 'bob', '--reason', 'dashboard fine');
    assert.equal(resume.code, 0, resume.stderr);
    const done = await h.waitFor('rr-good', (s) => s.state === 'completed' && s.timeline.at(-1)?.event === 'release report written', 90_000);
    assert.match(done.timeline.at(-1)?.detail ?? '', /releases\/report-release\/rr-good\.md$/);

    const r = await report('rr-good');
    assert.equal(r.state, 'completed');
    assert.equal(r.interim, false);
    assert.deepEqual(r.changes.targets.map((t) => [t.from, t.to]), [[FROM_VERSION, '2.0.0'], [FROM_VERSION, '2.0.0'], [FROM_VERSION, '2.0.0']]);
    assert.deepEqual(r.steps.map((s) => [s.name, s.state]), [['canary', 'passed'], ['wave-1', 'passed']]);
    for (const s of r.steps) {
      assert.ok((s.durationMs ?? 0) >= s.bakeMs, `${s.name} lasted at least its bake`);
      const e = s.measurements.find((m) => m.metric === 'errorRate');
      assert.ok(e && e.value !== null && e.threshold === 0.1 && Math.abs((e.margin ?? 0) - (0.1 - e.value)) < 1e-6, JSON.stringify(s.measurements));
    }
    const errorRate = judged(r, 'errorRate < 0.05 on every step');
    assert.equal(errorRate?.result, 'pass');
    assert.equal(typeof errorRate?.measured, 'number');
    assert.match(errorRate?.detail ?? '', /2 of 2 step\(s\) measured/);
    assert.equal(judged(r, 'no rollback')?.result, 'pass');
    assert.equal(judged(r, 'p99LatencyMs < 5000')?.result, 'pass');
    assert.equal(judged(r, 'customers are happy')?.result, 'not judged');
    assert.deepEqual(r.nearMisses.map((n) => n.kind), ['stop-cancelled']);
    assert.deepEqual(r.incidents, []);

    const md = await cli('release', 'report', 'rr-good');
    assert.equal(md.code, 0, md.stderr);
    // Markdown-escaped: a version at the start of a value reads "1\.0.0" (not a numbered list).
    assert.match(md.stdout, /^# Release report rr-good: 1\\\.0\.0 -> 2\\\.0\.0/);
    assert.match(md.stdout, /\| errorRate &lt; 0\.05 on every step \| PASS \| 0(\.\d+)? \| worst: /);
    assert.match(md.stdout, /\| customers are happy \| NOT JUDGED \|/);
    assert.match(md.stdout, /stop-cancelled: emergency stop by bob was lifted/);
    await record('report-held-completed', 'rr-good');
  });

  test('a rolled-back rollout fails its criteria with the measured values and lists its incident; the RCA it leaves names the corrective actions', async () => {
    const artifact = await h.artifact('3.0.0', { errorRate: 0.6 });
    await h.startRollout({ ...h.input('rr-bad', playbook(), artifact, '3.0.0'), escalation });
    await h.waitFor('rr-bad', (s) => s.state === 'rolled_back' && s.timeline.at(-1)?.event === 'release report written', 120_000);
    const r = await report('rr-bad');
    const errorRate = judged(r, 'errorRate < 0.05 on every step');
    assert.equal(errorRate?.result, 'fail');
    assert.ok(typeof errorRate?.measured === 'number' && errorRate.measured > 0.3, JSON.stringify(errorRate));
    assert.match(errorRate?.detail ?? '', /^worst: canary 0\.\d+ < 0\.05\? no/);
    assert.deepEqual([judged(r, 'no rollback')?.result, judged(r, 'no rollback')?.measured], ['fail', 'rolled back']);
    const canary = r.steps.find((s) => s.name === 'canary');
    assert.equal(canary?.verdict, 'breach');
    assert.ok((canary?.measurements.find((m) => m.metric === 'errorRate')?.margin ?? 0) < 0, 'a breached threshold has a negative margin');
    assert.deepEqual(r.incidents.map((i) => [i.incidentId, i.state, i.rca]), [['inc-rr-bad', 'open', null]]);

    const resolved = await cli('incident', 'resolve', 'inc-rr-bad', '--by', 'olga', '--reason', 'rolled back', '--root-cause', 'a cache miss storm in 3.0.0');
    assert.equal(resolved.code, 0, resolved.stderr);
    const rca = path.join(stateDir, 'incidents', 'inc-rr-bad.md');
    for (let i = 0; i < 100 && !existsSync(rca); i++) await new Promise((done) => setTimeout(done, 200));
    const written = readFileSync(rca, 'utf8');
    assert.match(written, /\| action \| severity \| owner \| due \| status \|/);
    // The team fills the table in after the retrospective: one high action still open, one done.
    writeFileSync(rca, written.replace(/\| _e\.g\..*\|\n/, '| add a canary check for cache misses | high | olga | 2026-12-20 | open |\n| pin the cache library | critical | bob | 2026-12-10 | done |\n'));
    await record('report-rolled-back', 'rr-bad');
  });

  test('the next rollout of the playbook shows the near misses and open corrective actions, and waits for one more approval while a high one is open', async () => {
    const artifact = await h.artifact('4.0.0');
    await h.startRollout(h.input('rr-next', playbook(), artifact, '4.0.0'));
    const waiting = await h.waitFor('rr-next', (s) => s.state === 'awaiting_approval');
    assert.deepEqual(waiting.awaitingApproval, { step: 'start', needed: 1, approvers: null, excludeStarter: true });
    const lessons = waiting.lessons;
    assert.deepEqual(lessons?.reports.map((x) => [x.rolloutId, x.state]), [['rr-bad', 'rolled_back'], ['rr-good', 'completed']]);
    assert.deepEqual(lessons?.nearMisses.map((n) => [n.rolloutId, n.kind]), [['rr-good', 'stop-cancelled']]);
    assert.deepEqual(lessons?.openActions.map((a) => [a.incidentId, a.severity, a.action, a.owner]), [['inc-rr-bad', 'high', 'add a canary check for cache misses', 'olga']]);
    assert.match(lessons?.extraApproval ?? '', /one more approval at the start: 1 corrective action\(s\) of severity high or worse still open \(inc-rr-bad\)/);
    const note = waiting.timeline.find((e) => e.event === 'lessons from earlier releases');
    assert.match(note?.detail ?? '', /2 earlier report\(s\) read .*1 near miss\(es\): rr-good: emergency stop by bob was lifted.*\[high\] add a canary check for cache misses \(inc-rr-bad\)/);

    const shown = await cli('rollout', 'status', 'rr-next');
    assert.match(shown.stdout, /from earlier releases: 2 earlier report\(s\) read .*; one more approval at the start: 1 corrective action/);
    assert.match(shown.stdout, /awaiting approval for start: 1 needed \(not the starter\)/);
    const early = await cli('release', 'report', 'rr-next');
    assert.equal(early.code, 4);
    assert.match(early.stderr, /rollout rr-next has no release report yet: it is awaiting_approval/);
    const self = await cli('rollout', 'approve', 'rr-next', '--by', 'alice');
    assert.equal(self.code, 3, self.stderr);
    const approved = await cli('rollout', 'approve', 'rr-next', '--by', 'carol', '--reason', 'the cache check is scheduled');
    assert.equal(approved.code, 0, approved.stderr);
    await h.waitFor('rr-next', (s) => s.state === 'completed' && s.timeline.at(-1)?.event === 'release report written', 90_000);
    const r = await report('rr-next');
    assert.equal(r.lessons?.openActions.length, 1, 'the report keeps what its planning read');
    await record('report-lessons-approved', 'rr-next');
  });

  test('a high risk with a velocity table doubles every bake time and adds an approval, as the status shows', async () => {
    const risky = playbook({
      name: 'report-risky',
      planning: { riskAssessment: { level: 'high', summary: 'touches billing' }, preMortem: ['double charges'], successCriteria: ['no rollback'], velocity: { medium: { bakeFactor: 1.5 }, high: { bakeFactor: 2, extraApprovals: 1 } } },
      phases: { canary: { size: 1, bakeTime: '2s' }, waves: [{ size: '100%', bakeTime: '3s', maxParallel: 2 }] },
      approvals: [{ step: 'canary', count: 1 }],
    });
    const artifact = await h.artifact('5.0.0');
    await h.startRollout(h.input('rr-risk', risky, artifact, '5.0.0'));
    const waiting = await h.waitFor('rr-risk', (s) => s.state === 'awaiting_approval');
    assert.deepEqual(waiting.steps.map((s) => [s.name, s.bakeMs]), [['canary', 4000], ['wave-1', 6000]]);
    assert.deepEqual(waiting.pace, { level: 'high', bakeFactor: 2, extraApprovals: 1 });
    assert.deepEqual(waiting.awaitingApproval, { step: 'start', needed: 1, approvers: null, excludeStarter: true });
    assert.match(waiting.timeline.find((e) => e.event === 'risk pace set')?.detail ?? '', /risk high: bake times x2, 1 more approval\(s\) at the start/);
    assert.match((await cli('rollout', 'status', 'rr-risk')).stdout, /risk high: bake times x2, 1 more approval\(s\) at the start/);
    const rollback = await cli('rollout', 'rollback', 'rr-risk', '--by', 'bob', '--reason', 'not today');
    assert.equal(rollback.code, 0, rollback.stderr);
    await h.waitFor('rr-risk', (s) => s.state === 'rolled_back');
    const r = await report('rr-risk');
    assert.deepEqual(r.risk, { level: 'high', bakeFactor: 2, extraApprovals: 1 });
    assert.deepEqual(r.steps.map((s) => s.bakeMs), [4000, 6000]);
    await record('report-risk-paced', 'rr-risk');
  });

  test('a criterion that looks like a comparison but is not one is a playbook error: exit 2 at its line, naming the field; nothing starts', async () => {
    const file = h.writeFile('bad-criteria.yaml', [
      'name: report-release',
      'method: phased',
      'cadence: ad-hoc',
      'planning:',
      '  riskAssessment: { level: low, summary: s }',
      '  preMortem: [p]',
      '  successCriteria:',
      '    - no rollback',
      '    - errorRat < 0.02 on every step',
      '    - errorRate < 0.02 on wave-7',
      'phases:',
      '  canary: { size: 1, bakeTime: 1s }',
      '  waves: [{ size: 100%, bakeTime: 1s }]',
      'health: { errorRate: { max: 0.1 } }',
    ].join('\n'));
    const r = await cli('playbook', 'validate', file);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /bad-criteria\.yaml:9:7: planning\.successCriteria\[1\]: unknown metric "errorRat" in a comparison: expected errorRate or p99LatencyMs/);
    assert.match(r.stderr, /bad-criteria\.yaml:10:7: planning\.successCriteria\[2\]: no step "wave-7" in this playbook's phases/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    const artifact = await h.artifact('6.0.0');
    const fleetFile = h.writeFile('fleet.json', JSON.stringify(h.fleet.fleet));
    const start = await cli('rollout', 'start', '--playbook', file, '--fleet', fleetFile, '--artifact', artifact.path, '--sha256', artifact.sha256, '--id', 'rr-bad-criteria');
    assert.equal(start.code, 2, start.stderr);
    assert.match(start.stderr, /planning\.successCriteria\[1\]: unknown metric "errorRat"/);
    await assert.rejects(h.client.workflow.getHandle('rr-bad-criteria').describe(), /not found/i, 'nothing started');
  });
});
