import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { drillReport, drillReportLines, type DrillObservations } from '../domain/drillReport';
import type { IncidentStatus } from '../domain/incidentStatus';
import { startedRolloutStatus, type RolloutStatus } from '../domain/rolloutStatus';
import { renderStatus } from '../client/rolloutStatusView';

/**
 * The drill's verdict when the game day did not go as the playbook says (the e2e test,
 * drill.e2e.test.ts, runs the drills that do): each miss is a FAIL line naming what was seen.
 */
const at = (s: number) => new Date(Date.UTC(2026, 11, 2, 10, 0, s)).toISOString();

function observations(over: Partial<DrillObservations> = {}): DrillObservations {
  const rollout = {
    rolloutId: 'drill-latency-1', state: 'completed', breaker: null, customers: null,
    timeline: [{ at: at(0), event: 'started' }, { at: at(30), event: 'rollout completed' }],
  } as unknown as RolloutStatus;
  return {
    scenario: 'latency',
    playbook: { name: 'demo', onBreach: 'rollback', automatedRollback: true, firstStep: 'dogfood', firstStepTargets: ['t-01'] },
    policy: { name: 'demo', tiers: ['on-call', 'senior'] },
    rolloutId: 'drill-latency-1', version: '1.1.0', baseVersion: '1.0.0', fault: { latencyMs: 2000 },
    startedAt: at(0), endedAt: at(40),
    rollout, incident: null,
    fleet: ['t-01', 't-02'].map((id) => ({ id, version: '1.1.0', up: true })),
    installedDrillVersion: { targets: ['t-01', 't-02'], firstAt: at(2) },
    slackTexts: [], mails: [], pagedAddresses: ['olga@example.com'], notes: [],
    ...over,
  };
}

describe('drill report (pure)', () => {
  test('a latency fault the playbook has no gate for: nothing tripped, the build spread, nobody paged; every miss is a FAIL', () => {
    const report = drillReport(observations());
    assert.equal(report.passed, false);
    const failed = report.expectations.filter((e) => !e.pass).map((e) => e.expectation);
    assert.deepEqual(failed, [
      'breaker tripped on step dogfood as expected',
      "breaker tripped on latency, the scenario's fault",
      'the faulty 1.1.0 reached no target beyond step dogfood',
      'rollback restored all 2 targets to 1.0.0',
      'incident opened and tier on-call paged',
      'acknowledged on tier on-call',
      'every page marked [DRILL]',
    ]);
    assert.equal(report.times.acknowledge, 'never');
    assert.equal(report.times.timeToDetectMs, null);
    const lines = drillReportLines(report).join('\n');
    assert.match(lines, /did NOT go as the playbook says/);
    assert.match(lines, /FAIL {2}the faulty 1\.1\.0 reached no target beyond step dogfood: also installed on t-02/);
    assert.match(lines, /time to detect: {6}-/);
  });

  test('an unmarked page and a mail to anyone the policy does not page fail the drill', () => {
    const incident = {
      incidentId: 'inc-1', severity: 'sev2', acknowledged: { by: 'olga', at: at(5) },
      timeline: [{ at: at(4), event: 'paged', detail: 'tier on-call (olga), ack within 5s' }],
    } as unknown as IncidentStatus;
    const rollout = {
      rolloutId: 'drill-error-rate-1', state: 'rolled_back', customers: null,
      breaker: { step: 'dogfood', reasons: ['error rate 50.0% above limit 5.0%'], gate: null },
      timeline: [{ at: at(3), event: 'breaker tripped' }, { at: at(6), event: 'rollback finished' }],
    } as unknown as RolloutStatus;
    const report = drillReport(observations({
      scenario: 'error-rate', rollout, incident,
      fleet: [{ id: 't-01', version: '1.0.0', up: true }],
      installedDrillVersion: { targets: ['t-01'], firstAt: at(2) },
      slackTexts: ['[DRILL] Paging on-call', 'Paging on-call'],
      mails: [{ to: ['olga@example.com'], subject: '[DRILL] [SEV2] inc-1' }, { to: ['ops@acme.example'], subject: '[DRILL] Maintenance' }],
    }));
    const verdict = Object.fromEntries(report.expectations.map((e) => [e.expectation, e.pass]));
    assert.equal(verdict['breaker tripped on step dogfood as expected'], true);
    assert.equal(verdict['rollback restored all 1 targets to 1.0.0'], true);
    assert.equal(verdict['every page marked [DRILL]'], false);
    assert.equal(verdict['no customer was notified'], false);
    assert.deepEqual(report.notifications.unmarked, ['Paging on-call']);
    assert.equal(report.times.timeToDetectMs, 1000);
    assert.equal(report.times.timeToAcknowledgeMs, 1000);
    assert.equal(report.times.timeToMitigateMs, 4000);
  });

  test('rollout status says DRILL on a drill rollout, and nothing of the kind on a release', () => {
    const base = startedRolloutStatus({ rolloutId: 'r', playbook: 'demo', method: 'phased', version: '1.1.0', fromVersion: '1.0.0', startedBy: 'drill', startedAt: at(0), targets: [], timeline: [] });
    assert.match(renderStatus({ ...base, drill: { scenario: 'crash' } }), /^DRILL \(game day, scenario crash\): pages marked \[DRILL\], no customer told/m);
    assert.doesNotMatch(renderStatus(base), /DRILL/);
  });
});
