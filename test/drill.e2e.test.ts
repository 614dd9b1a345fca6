import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { DrillReport } from '../domain/drillReport';
import { rampart } from './helpers/cli';

/**
 * `rampart drill` as a user runs it: each drill starts its own dev server, Slack and SMTP
 * stand-ins, worker and local fleet, so the test reads what the drill left in its folder (the
 * report, the SMTP stand-in's mail store, the Slack workspace's messages) and the exit code.
 */

// The demo's shape with a shorter soak: the breaker trips on the internal ring within seconds.
const PLAYBOOK = `name: drill-test
description: A game-day test playbook.
method: phased
cadence: ad-hoc
planning:
  riskAssessment: { level: low, summary: Local drill fleet. }
  preMortem: [The new version fails requests.]
  successCriteria: [Error rate under 5%.]
phases:
  dogfood: { labels: { ring: internal }, soakTime: 6s }
  canary: { size: 1, bakeTime: 3s }
  waves:
    - { size: 100%, bakeTime: 3s }
health:
  errorRate: { max: 0.05, maxIncrease: 0.02 }
  minSamples: 10
  analysisInterval: 1s
  consecutiveBreaches: 2
onBreach: rollback
incidents:
  severity: sev2
  policyFile: escalation.yaml
`;

// Three tiers, each with hours to acknowledge: the drill's --ack-deadline caps them.
const POLICY = `policies:
  - name: game-day
    severities: [sev1, sev2]
    tiers:
      - name: on-call
        ackDeadline: 30m
        people: [{ name: olga, email: olga@example.com, slack: U0OLGA }]
        channels: [{ slack: "#drill-incidents" }]
      - name: senior
        ackDeadline: 1h
        people: [{ name: sam, email: sam@example.com }]
      - name: manager
        ackDeadline: 2h
        people: [{ name: maria, email: maria@example.com }]
`;

const POLICY_ADDRESSES = ['olga@example.com', 'sam@example.com', 'maria@example.com'];

interface StoredMail {
  envelope: { to: string[] };
  headers: { subject: string | null };
}

function readEvidence(dir: string): { report: DrillReport; mails: StoredMail[]; slack: { text: string; channelName: string }[] } {
  const mails = readFileSync(path.join(dir, 'mails.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as StoredMail);
  return {
    report: JSON.parse(readFileSync(path.join(dir, 'drill-report.json'), 'utf8')) as DrillReport,
    mails,
    slack: JSON.parse(readFileSync(path.join(dir, 'slack-messages.json'), 'utf8')) as { text: string; channelName: string }[],
  };
}

describe('rampart drill (its own dev server, stand-ins, worker and fleet)', () => {
  let root: string;
  let playbook: string;

  before(() => {
    root = mkdtempSync(path.join(tmpdir(), 'rampart-drill-'));
    playbook = path.join(root, 'playbook.yaml');
    writeFileSync(playbook, PLAYBOOK);
    writeFileSync(path.join(root, 'escalation.yaml'), POLICY);
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  test('bad input is exit 2 naming the field, and nothing is started', async () => {
    const dir = path.join(root, 'never');
    const scenario = await rampart(['drill', '--playbook', playbook, '--scenario', 'meteor', '--dir', dir]);
    assert.equal(scenario.code, 2, scenario.stderr);
    assert.match(scenario.stderr, /--scenario: expected one of error-rate, latency, crash, nobody-acks/);
    const broken = path.join(root, 'broken.yaml');
    writeFileSync(broken, PLAYBOOK.replace('onBreach: rollback', 'onBreach: explode'));
    const bad = await rampart(['drill', '--playbook', broken, '--scenario', 'crash', '--dir', dir]);
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /broken\.yaml:\d+:\d+.*onBreach/);
    const deadline = await rampart(['drill', '--playbook', playbook, '--scenario', 'nobody-acks', '--ack-deadline', '0s', '--dir', dir]);
    assert.equal(deadline.code, 2, deadline.stderr);
    assert.match(deadline.stderr, /--ack-deadline: expected a duration from 1s to 1h/);
    assert.doesNotMatch(bad.stderr + scenario.stderr + deadline.stderr, /\n\s+at /, 'no stack trace');
    assert.equal(existsSync(dir), false, 'no drill folder, so no stack was started');
  });

  test('error-rate: the breaker trips, the responder acknowledges, every page says [DRILL], no customer is told', async () => {
    const dir = path.join(root, 'error-rate');
    mkdirSync(dir);
    const run = await rampart(['drill', '--playbook', playbook, '--scenario', 'error-rate', '--dir', dir, '--json'], {}, 180_000);
    assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
    const printed = JSON.parse(run.stdout) as DrillReport;
    const { report, mails, slack } = readEvidence(dir);
    assert.deepEqual(printed, report, 'the JSON printed is the report written');
    assert.equal(report.passed, true);
    const t = report.times;
    for (const at of [t.faultInjectedAt, t.detectedAt, t.pagedAt, t.acknowledgedAt, t.mitigatedAt]) assert.ok(at, `every time is present: ${JSON.stringify(t)}`);
    assert.ok(t.faultInjectedAt! <= t.detectedAt! && t.detectedAt! <= t.pagedAt! && t.pagedAt! <= t.acknowledgedAt!, `ordered: ${JSON.stringify(t)}`);
    assert.ok(t.detectedAt! <= t.mitigatedAt!);
    assert.ok(t.timeToDetectMs! > 0 && t.timeToAcknowledgeMs! > 0 && t.timeToMitigateMs! >= t.timeToDetectMs!);
    assert.equal(report.escalation.acknowledgedBy, 'olga');
    const names = report.expectations.map((e) => `${e.pass ? 'PASS' : 'FAIL'} ${e.expectation}`);
    assert.ok(names.includes('PASS breaker tripped on step dogfood as expected'), names.join('\n'));
    assert.ok(names.includes('PASS rollback restored all 4 targets to 1.0.0'), names.join('\n'));
    // What the stand-ins received, read from their own records.
    assert.ok(slack.length > 0 && slack.every((m) => m.text.startsWith('[DRILL]')), slack.map((m) => m.text).join('\n'));
    assert.ok(slack.every((m) => m.channelName === 'drill-incidents'), "every message went to the policy's channel, in the drill workspace");
    assert.ok(mails.length > 0 && mails.every((m) => m.headers.subject?.startsWith('[DRILL]')), mails.map((m) => m.headers.subject).join('\n'));
    const recipients = new Set(mails.flatMap((m) => m.envelope.to));
    assert.deepEqual([...recipients], ['olga@example.com'], 'only the paged tier was mailed: no customer, no one else');
  });

  test('nobody-acks: the escalation walks every tier, acknowledge is never', async () => {
    const dir = path.join(root, 'nobody-acks');
    mkdirSync(dir);
    const run = await rampart(['drill', '--playbook', playbook, '--scenario', 'nobody-acks', '--dir', dir, '--ack-deadline', '2s'], {}, 180_000);
    assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
    assert.match(run.stdout, /time to acknowledge: never/);
    assert.match(run.stdout, /PASS {2}escalation reached tier 3 \(manager\), the last/);
    const { report, mails } = readEvidence(dir);
    assert.equal(report.times.acknowledge, 'never');
    assert.equal(report.times.acknowledgedAt, null);
    assert.deepEqual(report.escalation.reached, ['on-call', 'senior', 'manager']);
    assert.equal(report.escalation.reachedLastTier, true);
    const recipients = new Set(mails.flatMap((m) => m.envelope.to));
    assert.ok(recipients.has('maria@example.com'), 'the last tier was mailed');
    assert.ok([...recipients].every((r) => POLICY_ADDRESSES.includes(r)), [...recipients].join(', '));
    assert.ok(mails.every((m) => m.headers.subject?.startsWith('[DRILL]')));
  });
});
