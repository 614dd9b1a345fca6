import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseCorrectiveActions } from '../domain/correctiveActions';
import { describeErrors, parseInput } from '../domain/issues';
import { playbookSchema } from '../domain/playbook';
import { renderRca } from '../domain/rcaReport';
import { judgeCriterion, parseCriterion, type Criterion, type JudgeInput } from '../domain/successCriteria';
import { paceOf, withPace } from '../domain/velocity';
import { fastPlaybook } from './helpers/fastPlaybook';
import { openedIncidentStatus } from '../domain/incidentStatus';

/** The pure rules behind release reports: criteria, corrective actions, velocity (no server needed). */
const criterion = (text: string): Criterion => {
  const parsed = parseCriterion(text);
  assert.ok(parsed.ok, text);
  return parsed.criterion;
};
const errorsOf = (overrides: Record<string, unknown>) => {
  const parsed = parseInput(playbookSchema, fastPlaybook(overrides));
  return parsed.ok ? '' : describeErrors(parsed.errors);
};
const planning = (extra: Record<string, unknown>, level = 'low') => ({ planning: { riskAssessment: { level, summary: 's' }, preMortem: ['p'], successCriteria: ['all good'], ...extra } });

describe('success criteria', () => {
  test('comparisons, outcomes and free text parse; the shipped playbooks\' prose stays free text', () => {
    assert.deepEqual(criterion('errorRate < 0.02 on every step'), { kind: 'metric', text: 'errorRate < 0.02 on every step', metric: 'errorRate', op: '<', value: 0.02, step: null });
    assert.deepEqual(criterion('errorRate <= 2% on canary'), { kind: 'metric', text: 'errorRate <= 2% on canary', metric: 'errorRate', op: '<=', value: 0.02, step: 'canary' });
    assert.equal(criterion('p99LatencyMs < 400').kind, 'metric');
    assert.deepEqual(criterion('No rollback.'), { kind: 'outcome', text: 'No rollback.', outcome: 'no rollback' });
    for (const prose of ['Error rate stays under 2% on every wave.', 'p99 latency within 1.5x of the previous release.', 'No rise in error rate over the baseline.']) {
      assert.equal(criterion(prose).kind, 'free', prose);
    }
  });

  test('a comparison that is not a valid one is refused with its rule', () => {
    const refused = (text: string, rule: RegExp) => {
      const parsed = parseCriterion(text);
      assert.ok(!parsed.ok && rule.test(parsed.error), `${text}: ${JSON.stringify(parsed)}`);
    };
    refused('errorRat < 0.02', /unknown metric "errorRat"/);
    refused('errorRate = 0.02', /"=" is not a comparison/);
    refused('errorRate < lots', /expected a number after </);
    refused('errorRate < 0.02 on the moon', /unknown scope "on the moon"/);
    refused('p99LatencyMs < 5%', /a percentage only fits errorRate/);
    refused('errorRate < 150%', /a ratio from 0 to 1/);
    assert.match(errorsOf(planning({ successCriteria: ['errorRate < 0.02 on dogfood'] })), /planning\.successCriteria\[0\]: no step "dogfood" in this playbook's phases/);
  });

  test('judged on each step\'s last window: the worst step decides; nothing measured is "not measured", not a pass', () => {
    const run: JudgeInput = { steps: [{ name: 'canary', errorRate: 0.01, p99LatencyMs: 120 }, { name: 'wave-1', errorRate: 0.03, p99LatencyMs: null }], rolledBack: false, breached: false, incidents: 0 };
    assert.deepEqual(judgeCriterion(criterion('errorRate < 0.02 on every step'), run), { text: 'errorRate < 0.02 on every step', result: 'fail', measured: 0.03, detail: 'worst: wave-1 0.03 < 0.02? no (2 of 2 step(s) measured)' });
    assert.equal(judgeCriterion(criterion('errorRate < 0.02 on canary'), run).result, 'pass');
    assert.deepEqual([judgeCriterion(criterion('p99LatencyMs < 400'), run).result, judgeCriterion(criterion('p99LatencyMs < 400'), run).measured], ['pass', 120]);
    assert.equal(judgeCriterion(criterion('errorRate < 0.02 on wave-2'), run).result, 'not measured');
    assert.equal(judgeCriterion(criterion('errorRate < 0.02'), { ...run, steps: [] }).result, 'not measured');
    assert.equal(judgeCriterion(criterion('no incident'), { ...run, incidents: 1 }).result, 'fail');
    assert.equal(judgeCriterion(criterion('all good'), run).result, 'not judged');
  });
});

describe('corrective actions from the RCA', () => {
  test('the RCA template has the columns and its example row is not an action', () => {
    const rca = renderRca(openedIncidentStatus({ incidentId: 'inc-x', severity: 'sev2', summary: 's', source: 'rollout', dedupKey: 'rollout:x', openedBy: 'rampart' } as never, 'p', '2026-12-01T00:00:00Z'));
    assert.match(rca, /\| action \| severity \| owner \| due \| status \|/);
    assert.deepEqual(parseCorrectiveActions(rca), []);
  });

  test('rows read as the team wrote them; done is closed; an unranked action counts as high', () => {
    const actions = parseCorrectiveActions([
      '## Corrective actions', '',
      '| action | severity | owner | due | status |', '|---|---|---|---|---|',
      '| add a cache-miss alert \\| and a test | medium | olga | 2026-12-20 | open |',
      '| pin the library | critical | bob | | Done |',
      '| write a runbook | someday | | | |',
      '', '## Afterword', '| not | an | action |',
    ].join('\n'));
    assert.deepEqual(actions.map((a) => [a.action, a.severity, a.open]), [['add a cache-miss alert | and a test', 'medium', true], ['pin the library', 'critical', false], ['write a runbook', 'high', true]]);
  });
});

describe('velocity: the risk level paces the rollout', () => {
  test('high: every bake doubled, one more approval at the start', () => {
    const playbook = playbookSchema.parse(fastPlaybook({ ...planning({ velocity: { high: { bakeFactor: 2, extraApprovals: 1 } } }, 'high'), approvals: [{ step: 'canary' }] }));
    const paced = withPace(playbook, paceOf(playbook));
    assert.deepEqual([paced.phases.canary?.bakeTime, ...paced.phases.waves.map((w) => w.bakeTime)], [4000, 4000, 4000]);
    assert.deepEqual(paced.approvals.map((a) => [a.step, a.count]), [['start', 1], ['canary', 1]]);
    assert.deepEqual(paceOf(playbookSchema.parse(fastPlaybook())), { level: 'low', bakeFactor: 1, extraApprovals: 0 });
  });

  test('a riskier level may not go faster, a bake may not pass 90d, a roster must be long enough', () => {
    assert.match(errorsOf(planning({ velocity: { medium: { bakeFactor: 3 }, high: { bakeFactor: 2 } } })), /planning\.velocity\.high\.bakeFactor: a high risk may not bake shorter than medium \(factor 3\)/);
    assert.match(errorsOf({ ...planning({ velocity: { low: { bakeFactor: 10 } } }), phases: { canary: { size: 1, bakeTime: '30d' }, waves: [{ size: '100%', bakeTime: '1s' }] } }), /planning\.velocity\.low\.bakeFactor: a bake time times 10 would pass the 90d limit/);
    assert.match(errorsOf({ ...planning({ velocity: { low: { extraApprovals: 1 } } }), approvals: [{ step: 'start', approvers: ['bob'] }] }), /approvals: the low risk adds 1 approval\(s\) at the start: list at least 2 approvers/);
    assert.match(errorsOf({ ...planning({ requireApprovalWhileOpen: { severity: 'high' } }), approvals: [{ step: 'start', approvers: ['bob'] }] }), /planning\.requireApprovalWhileOpen: adds one approval at the start: its approvers must list at least 2 people/);
    assert.match(errorsOf(planning({ requireApprovalWhileOpen: { severity: 'urgent' } })), /planning\.requireApprovalWhileOpen\.severity: expected one of low, medium, high, critical/);
  });
});
