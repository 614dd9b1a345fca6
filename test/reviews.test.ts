import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { WorkflowNotFoundError } from '@temporalio/client';
import { rolloutWorkflowId } from '../contract/ids';
import { breakGlassRefusal } from '../domain/breakGlass';
import { DAY } from '../domain/duration';
import { checkReviewDue } from '../domain/review';
import { rampart } from './helpers/cli';
import { fastPlaybook } from './helpers/fastPlaybook';
import { RolloutHarness } from './helpers/rolloutHarness';
import { bundleWorkflows, devServerAddress } from './helpers/temporal';
import { replayAndRecord } from './replayFixtures';

/**
 * Reviewed playbooks (issue 10, point 7): the review record, `review due`, and the start that
 * refuses a file past its review date unless break-glass. Dates are relative to the real today:
 * the CLI reads the clock as an operator's would, with no way to pretend another day.
 */
const day = (offset: number): string => new Date(Date.now() + offset * DAY).toISOString().slice(0, 10);
const review = (approvedAgo: number, reviewIn: number, approvedBy = 'Dana Reyes') => ({ approvedBy, approvedAt: day(-approvedAgo), reviewBy: day(reviewIn) });

/** A quick playbook: a one-target canary, then the rest, 1 s bakes. */
const quickPlaybook = (overrides: Record<string, unknown> = {}) => fastPlaybook({
  method: 'pilot',
  phases: { canary: { size: 1, bakeTime: '1s' }, waves: [{ size: '100%', bakeTime: '1s' }] },
  ...overrides,
});

const yamlPlaybook = (reviewBlock: string[] | null) => [
  'name: reviewed',
  'method: direct',
  'cadence: ad-hoc',
  ...(reviewBlock ? ['review:', ...reviewBlock.map((l) => `  ${l}`)] : []),
  'planning: { riskAssessment: { level: low, summary: s }, preMortem: [p], successCriteria: [c] }',
  'phases:',
  '  canary: { size: 1, bakeTime: 1s }',
  '  waves: [{ size: 100%, bakeTime: 1s }]',
  'health: { errorRate: { max: 0.1 } }',
].join('\n');

describe('checkReviewDue and breakGlassRefusal: the rules other start paths reuse', () => {
  test('a review holds through its reviewBy day (UTC) and is due from the next; a document without one is not refused', () => {
    const doc = { review: { approvedBy: 'Dana Reyes', approvedAt: '2026-06-01', reviewBy: '2026-11-01' } };
    assert.equal(checkReviewDue(doc, new Date('2026-11-01T23:59:59Z')), null);
    assert.deepEqual(checkReviewDue(doc, new Date('2026-11-02T00:00:00Z')), { reviewBy: '2026-11-01', daysOverdue: 1 });
    assert.equal(checkReviewDue({ name: 'old' }, new Date('2030-01-01T00:00:00Z')), null);
  });

  test('the approver may not be the requester, whatever the case of the name', () => {
    assert.match(breakGlassRefusal({ approver: 'Alice', requestedBy: 'alice' }) ?? '', /must be someone other than the requester/);
    assert.equal(breakGlassRefusal({ approver: 'bob', requestedBy: 'alice' }), null);
  });
});

describe('review records: playbook validate and review due (offline)', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rampart-reviews-'));
  const write = (name: string, content: string): string => {
    const file = path.join(dir, name);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, content);
    return file;
  };
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('a playbook with a current review validates quietly; without one it validates with a warning', async () => {
    const reviewed = write('validate/reviewed.yaml', yamlPlaybook([`approvedBy: Dana Reyes`, `approvedAt: ${day(-10)}`, `reviewBy: ${day(200)}`]));
    const ok = await rampart(['playbook', 'validate', reviewed, '--json']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.stderr, '');
    assert.deepEqual(JSON.parse(ok.stdout).review, { state: 'current', review: { approvedBy: 'Dana Reyes', approvedAt: day(-10), reviewBy: day(200) }, daysLeft: 200 });
    const bare = write('validate/bare.yaml', yamlPlaybook(null));
    const warned = await rampart(['playbook', 'validate', bare]);
    assert.equal(warned.code, 0, warned.stderr);
    assert.match(warned.stdout, /valid direct playbook "reviewed"/);
    assert.match(warned.stderr, /warning: .*bare\.yaml: no review record; add review: \{ approvedBy, approvedAt, reviewBy \}/);
    const late = write('validate/late.yaml', yamlPlaybook([`approvedBy: Dana Reyes`, `approvedAt: ${day(-100)}`, `reviewBy: ${day(-3)}`]));
    const lateRun = await rampart(['playbook', 'validate', late]);
    assert.equal(lateRun.code, 0, 'a valid file past its review date is still valid; the start refuses it');
    assert.match(lateRun.stderr, new RegExp(`late\\.yaml: review was due ${day(-3)} \\(reviewBy, approved by Dana Reyes\\); rollout start refuses it without --break-glass`));
  });

  test('a review block that breaks a rule is exit 2 naming the line, the field and the rule', async () => {
    const future = write('validate/future.yaml', yamlPlaybook([`approvedBy: Dana Reyes`, `approvedAt: ${day(5)}`, `reviewBy: ${day(100)}`]));
    const r1 = await rampart(['playbook', 'validate', future]);
    assert.equal(r1.code, 2);
    assert.match(r1.stderr, new RegExp(`future\\.yaml:6:\\d+: review\\.approvedAt: expected a date not in the future \\(today is ${day(0)}\\)`));
    const backwards = write('validate/backwards.yaml', yamlPlaybook([`approvedBy: Dana Reyes`, `approvedAt: ${day(-10)}`, `reviewBy: ${day(-20)}`]));
    const r2 = await rampart(['playbook', 'validate', backwards]);
    assert.equal(r2.code, 2);
    assert.match(r2.stderr, new RegExp(`backwards\\.yaml:7:\\d+: review\\.reviewBy: expected a date after approvedAt \\(${day(-10)}\\)`));
    const nobody = write('validate/nobody.yaml', yamlPlaybook([`approvedBy: "\\u001b[2J"`, `approvedAt: ${day(-10)}`, `reviewBy: ${day(20)}`]));
    const r3 = await rampart(['playbook', 'validate', nobody]);
    assert.equal(r3.code, 2);
    assert.match(r3.stderr, /nobody\.yaml:5:\d+: review\.approvedBy: expected the name of who approved it/);
    assert.doesNotMatch(`${r1.stderr}${r2.stderr}${r3.stderr}`, /\n\s+at /, 'no stack trace');
  });

  test('review due lists due and overdue files soonest first, with unreviewed and unreadable files after; exit 2 for the unreadable', async () => {
    const folder = path.join(dir, 'due');
    write('due/routine.yaml', JSON.stringify(quickPlaybook({ name: 'routine', review: review(300, 12) })));
    write('due/old.yaml', JSON.stringify(quickPlaybook({ name: 'old', review: review(380, -31, 'Priya Raman') })));
    write('due/fine.yaml', JSON.stringify(quickPlaybook({ name: 'fine', review: review(10, 200) })));
    write('due/unreviewed.yaml', JSON.stringify(quickPlaybook({ name: 'unreviewed' })));
    write('due/escalation/oncall.yaml', ['review:', `  approvedBy: Sam Okafor`, `  approvedAt: ${day(-200)}`, `  reviewBy: ${day(3)}`, 'policies:', '  - { name: all, severities: [sev1], tiers: [{ name: t, ackDeadline: 5m, people: [{ name: olga }] }] }'].join('\n'));
    write('due/trains/patch-tuesday.yaml', ['name: patch-tuesday', 'review:', `  approvedBy: Dana Reyes`, `  approvedAt: ${day(-300)}`, `  reviewBy: ${day(30)}`].join('\n'));
    write('due/customers/customers.yaml', 'customers: []\n');
    write('due/broken.yaml', 'name: broken\nname: twice\n');
    write('due/bad-date.yaml', ['name: bad-date', 'review:', '  approvedBy: Dana Reyes', `  approvedAt: ${day(-10)}`, '  reviewBy: next spring'].join('\n'));

    const text = await rampart(['review', 'due', folder]);
    assert.equal(text.code, 2, 'an unreadable file is bad input, reported after the listing');
    const rows = text.stdout.split('\n').filter((l) => /^\s+\d{4}-\d{2}-\d{2}/.test(l)).map((l) => l.trim().split(/\s{2,}/));
    assert.deepEqual(rows.map((r) => [r[0], r[2], r[3], path.relative(folder, r[4]!)]), [
      [day(-31), 'playbook', 'Priya Raman', 'old.yaml'],
      [day(3), 'escalation policy', 'Sam Okafor', 'escalation/oncall.yaml'],
      [day(12), 'playbook', 'Dana Reyes', 'routine.yaml'],
      [day(30), 'train', 'Dana Reyes', 'trains/patch-tuesday.yaml'],
    ]);
    assert.match(text.stdout, /-31 \(overdue by 31 days\)/);
    assert.match(text.stdout, /no review record:\n  playbook: .*unreviewed\.yaml\n/);
    assert.doesNotMatch(text.stdout, /fine\.yaml|customers\.yaml/);
    assert.match(text.stderr, /could not read:\n/);
    assert.match(text.stderr, /broken\.yaml:2:1: \(document\): not valid YAML: Map keys must be unique/);
    assert.match(text.stderr, /bad-date\.yaml:5:\d+: review\.reviewBy: expected an ISO date such as "2027-11-30"/);

    const json = await rampart(['review', 'due', folder, '--within', '10d', '--json']);
    assert.equal(json.code, 2);
    const listing = JSON.parse(json.stdout);
    assert.equal(listing.asOf, day(0));
    assert.equal(listing.withinDays, 10);
    assert.deepEqual(listing.due.map((d: { file: string }) => path.relative(folder, d.file)), ['old.yaml', 'escalation/oncall.yaml']);
    assert.deepEqual(listing.due[0], { file: path.join(folder, 'old.yaml'), kind: 'playbook', approvedBy: 'Priya Raman', approvedAt: day(-380), reviewBy: day(-31), daysLeft: -31, overdue: true });
    assert.deepEqual(listing.unreviewed, [{ file: path.join(folder, 'unreviewed.yaml'), kind: 'playbook' }]);
    assert.deepEqual(listing.errors.map((e: { file: string; path: string }) => [path.basename(e.file), e.path]), [['bad-date.yaml', 'review.reviewBy'], ['broken.yaml', '']]);
    assert.equal(listing.checked, 5);
  });

  test('review due exits 1 when something is overdue, 0 when nothing is; a bad --within is exit 2', async () => {
    const overdue = await rampart(['review', 'due', path.join(dir, 'due', 'old.yaml'), path.join(dir, 'due', 'fine.yaml')]);
    assert.equal(overdue.code, 1, overdue.stderr);
    assert.match(overdue.stdout, /old\.yaml/);
    const fine = await rampart(['review', 'due', path.join(dir, 'due', 'fine.yaml')]);
    assert.equal(fine.code, 0, fine.stderr);
    assert.match(fine.stdout, /nothing due for review within 30d \(as of \d{4}-\d{2}-\d{2}\); 1 reviewed file\(s\) checked/);
    const soon = await rampart(['review', 'due', path.join(dir, 'due', 'fine.yaml'), '--within', '365d']);
    assert.equal(soon.code, 0);
    assert.match(soon.stdout, /fine\.yaml/);
    const bad = await rampart(['review', 'due', '--within', '2y']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--within: expected a duration from 1d to 365d/);
  });

  test('the shipped playbooks and escalation policies are reviewed and not due within 30 days', async () => {
    const r = await rampart(['review', 'due', path.resolve(__dirname, '../playbooks'), '--json']);
    assert.equal(r.code, 0, r.stderr);
    const listing = JSON.parse(r.stdout);
    assert.deepEqual(listing.due, []);
    assert.deepEqual(listing.unreviewed, []);
    assert.ok(listing.checked >= 8, `checked ${listing.checked}`);
  });
});

describe('the review gate at rollout start (dev server, real fleet)', () => {
  const h = new RolloutHarness();
  let env: Record<string, string>;
  let artifact: { path: string };
  before(async () => {
    await h.start({ size: 2 });
    env = { TEMPORAL_ADDRESS: devServerAddress(), RAMPART_TASK_QUEUE: h.taskQueue };
    artifact = await h.artifact('7.0.0');
  });
  after(async () => h.stop());

  const start = (playbook: string, id: string, extra: string[] = []) =>
    rampart(['rollout', 'start', '--playbook', playbook, '--fleet', h.fleet.fleetFile, '--artifact', artifact.path, '--id', id, ...extra], env);
  const notStarted = async (id: string) => {
    await assert.rejects(h.client.workflow.getHandle(rolloutWorkflowId(id)).describe(), WorkflowNotFoundError, `no workflow for ${id}`);
  };
  const overduePlaybook = () => h.writeFile('overdue.json', JSON.stringify(quickPlaybook({ review: review(100, -5) })));

  test('a playbook past its review date is refused with exit 2 naming the file and the date; nothing starts', async () => {
    const playbook = overduePlaybook();
    const r = await start(playbook, 'review-late-1', ['--by', 'alice']);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stderr.trim(), `rampart: ${playbook}: review was due ${day(-5)} (reviewBy); have it reviewed, or start with --break-glass`);
    await notStarted('review-late-1');
    assert.deepEqual(Object.values(await h.versions()), ['1.0.0', '1.0.0']);
  });

  test('an escalation policy past its review date is refused the same way, naming the policy file', async () => {
    const policy = h.writeFile('late-policy.yaml', ['review:', '  approvedBy: Sam Okafor', `  approvedAt: ${day(-300)}`, `  reviewBy: ${day(-1)}`, 'policies:', '  - { name: all, severities: [sev2], tiers: [{ name: t, ackDeadline: 5m, people: [{ name: olga }] }] }'].join('\n'));
    const playbook = h.writeFile('pages.json', JSON.stringify(quickPlaybook({ review: review(10, 100), incidents: { severity: 'sev2', policyFile: path.basename(policy) } })));
    const r = await start(playbook, 'review-late-2');
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`late-policy\\.yaml: review was due ${day(-1)} \\(reviewBy\\); have it reviewed, or start with --break-glass`));
    await notStarted('review-late-2');
  });

  test('break-glass approved by the requester is refused with exit 3; without an approver or reason, or with nothing to override, exit 2', async () => {
    const playbook = overduePlaybook();
    const same = await start(playbook, 'review-bg-same', ['--by', 'alice', '--break-glass', '--reason', 'CVE fix cannot wait', '--approver', 'Alice']);
    assert.equal(same.code, 3, same.stderr);
    assert.match(same.stderr, /break-glass refused: the approver \(Alice\) must be someone other than the requester \(alice\); nothing was started/);
    const noApprover = await start(playbook, 'review-bg-none', ['--by', 'alice', '--break-glass', '--reason', 'CVE fix cannot wait']);
    assert.equal(noApprover.code, 2);
    assert.match(noApprover.stderr, /--approver: --break-glass needs an approver other than you \(--by\)/);
    const noReason = await start(playbook, 'review-bg-why', ['--by', 'alice', '--break-glass', '--approver', 'bob']);
    assert.equal(noReason.code, 2);
    assert.match(noReason.stderr, /--reason: --break-glass needs a reason/);
    const current = h.writeFile('current.json', JSON.stringify(quickPlaybook({ review: review(10, 100) })));
    const needless = await start(current, 'review-bg-needless', ['--by', 'alice', '--break-glass', '--reason', 'habit', '--approver', 'bob']);
    assert.equal(needless.code, 2);
    assert.match(needless.stderr, /--break-glass: nothing to override/);
    for (const id of ['review-bg-same', 'review-bg-none', 'review-bg-why', 'review-bg-needless']) await notStarted(id);
  });

  test('break-glass approved by someone else starts the rollout, and its timeline shows who approved it, why and what it overrode', async () => {
    const playbook = overduePlaybook();
    const r = await start(playbook, 'review-bg-ok', ['--by', 'alice', '--break-glass', '--reason', 'CVE-2026-1234 is exploited now', '--approver', 'bob', '--wait']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /break-glass, approved by bob, recorded in its timeline/);
    const status = await h.status('review-bg-ok');
    assert.equal(status.state, 'completed');
    assert.deepEqual(Object.values(await h.versions()), ['7.0.0', '7.0.0']);
    const entry = status.timeline.find((e) => e.event === 'break-glass');
    assert.ok(entry, JSON.stringify(status.timeline.map((e) => e.event)));
    assert.equal(entry.by, 'bob');
    assert.equal(entry.reason, 'CVE-2026-1234 is exploited now');
    assert.equal(entry.detail, `approved by bob for alice; overrides ${playbook}: review was due ${day(-5)} (reviewBy)`);
    const shown = await rampart(['rollout', 'status', 'review-bg-ok'], env);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /\nBREAK-GLASS by bob \(CVE-2026-1234 is exploited now\): approved by bob for alice; overrides .*review was due/);
  });

  test('an incident opened by a break-glass rollout\'s breaker says so, and its report shows it', async () => {
    const artifact = await h.artifact('7.1.0-bad', { errorRate: 0.6 });
    const escalation = { policies: [{ name: 'p', severities: ['sev2'], tiers: [{ name: 'on-call', ackDeadline: '10m', people: [{ name: 'olga' }] }] }] };
    const breakGlass = { reason: 'hotfix for the outage', approver: 'bob', requestedBy: 'alice', overrides: ['pb.yaml: review was due 2026-11-01 (reviewBy)'] };
    await h.startRollout({ ...h.input('review-bg-breach', quickPlaybook({ incidents: { severity: 'sev2', policyFile: 'unused-here.yaml' } }), artifact, '7.1.0-bad'), escalation, breakGlass });
    const status = await h.waitFor('review-bg-breach', (s) => ['completed', 'rolled_back', 'failed'].includes(s.state), 60_000);
    assert.equal(status.state, 'rolled_back');
    const incidentId = 'inc-review-bg-breach';
    const incident = await h.incidents.status(incidentId);
    assert.equal(incident.details.breakGlass, 'hotfix for the outage: approved by bob for alice; overrides pb.yaml: review was due 2026-11-01 (reviewBy)');
    const report = await rampart(['incident', 'report', incidentId], env);
    assert.equal(report.code, 0, report.stderr);
    assert.ok(report.stdout.includes('- Started with break-glass (change control overridden): hotfix for the outage: approved by bob for alice; overrides pb.yaml: review was due 2026-11-01 \\(reviewBy\\)'), report.stdout);
    await h.incidents.ack(incidentId, { by: 'olga' });
    await h.incidents.resolve(incidentId, { by: 'olga', reason: 'rolled back' });
  });

  test('break-glass histories replay on the current code (recorded with RAMPART_RECORD_HISTORIES=1)', async () => {
    const found = await replayAndRecord(h.client, await bundleWorkflows(require.resolve('../workflows')), [
      { workflowId: 'review-bg-ok', file: 'rollout-break-glass-completed' },
      { workflowId: 'review-bg-breach', file: 'rollout-break-glass-breach' },
      { workflowId: 'inc-review-bg-breach', file: 'incident-break-glass-resolved' },
    ]);
    assert.equal(found.length, 3, found.join(', '));
  });
});
