import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { rampart } from './helpers/cli';
import { RolloutHarness } from './helpers/rolloutHarness';
import { devServerAddress } from './helpers/temporal';

describe('rampart incident (dev server)', () => {
  const h = new RolloutHarness();
  let env: Record<string, string>;
  let policy: string;
  before(async () => {
    await h.start({ size: 0 });
    env = { TEMPORAL_ADDRESS: devServerAddress(), RAMPART_TASK_QUEUE: h.taskQueue };
    // No channels: this file is about the commands; delivery has tests of its own.
    policy = h.writeFile('escalation.yaml', [
      'policies:',
      '  - name: all',
      '    severities: [sev1, sev2, sev3, sev4]',
      '    tiers:',
      '      - { name: on-call, ackDeadline: 10m, people: [{ name: olga }] }',
      '      - { name: senior, ackDeadline: 10m, people: [{ name: sam }] }',
    ].join('\n'));
  });
  after(async () => h.stop());

  test('open, join, ack by the paged tier only, resolve with a root cause, report', async () => {
    const open = ['incident', 'open', '--severity', 'sev3', '--summary', 'checkout is slow for EU customers', '--policy', policy, '--by', 'support', '--json'];
    const first = await rampart(open, env);
    assert.equal(first.code, 0, first.stderr);
    const { incidentId, opened } = JSON.parse(first.stdout);
    assert.equal(opened, true);
    const second = JSON.parse((await rampart(open, env)).stdout);
    assert.deepEqual(second, { incidentId, opened: false }, 'a repeat report joins the open incident');
    const status = JSON.parse((await rampart(['incident', 'status', incidentId, '--json'], env)).stdout);
    assert.equal(status.duplicateAlerts, 1);
    assert.equal(status.tier.name, 'on-call');

    const wrong = await rampart(['incident', 'ack', incidentId, '--by', 'mallory'], env);
    assert.equal(wrong.code, 3);
    assert.match(wrong.stderr, /ack rejected: mallory is not on the paged tier on-call \(roster: olga\)/);
    assert.equal((await rampart(['incident', 'ack', incidentId, '--by', 'olga'], env)).code, 0);
    const resolve = await rampart(['incident', 'resolve', incidentId, '--by', 'olga', '--reason', 'cache warmed', '--root-cause', 'A cold cache after the deploy.'], env);
    assert.equal(resolve.code, 0, resolve.stderr);
    const report = await rampart(['incident', 'report', incidentId], env);
    assert.equal(report.code, 0);
    assert.match(report.stdout, /^# Incident inc-[0-9a-f]{10}: checkout is slow for EU customers/);
    assert.match(report.stdout, /## Root cause\n\nA cold cache after the deploy\./);
    assert.match(report.stdout, /\| acknowledged \| olga \|/);
    const late = await rampart(['incident', 'ack', incidentId, '--by', 'olga'], env);
    assert.equal(late.code, 3);
    assert.match(late.stderr, /already resolved/);
  });

  test('bad input: unknown incident is exit 4, a bad severity or policy file exit 2', async () => {
    const unknown = await rampart(['incident', 'status', 'inc-nope'], env);
    assert.equal(unknown.code, 4);
    assert.match(unknown.stderr, /no incident with id "inc-nope"/);
    const sev = await rampart(['incident', 'open', '--severity', 'sev9', '--summary', 'x', '--policy', policy], env);
    assert.equal(sev.code, 2);
    assert.match(sev.stderr, /--severity: expected one of sev1, sev2, sev3, sev4/);
    const badPolicy = h.writeFile('bad-policy.yaml', 'policies:\n  - name: x\n    severities: [sev2]\n    tiers: []\n');
    const bad = await rampart(['escalation', 'validate', badPolicy], env);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /policies\[0\]\.tiers: a policy needs at least one tier/);
  });

  test('near-misses lists an escalation that reached its last tier', async () => {
    const fast = h.writeFile('fast.yaml', 'policies:\n  - name: fast\n    severities: [sev4]\n    tiers:\n      - { name: only, ackDeadline: 1s, people: [{ name: olga }] }\n');
    const opened = JSON.parse((await rampart(['incident', 'open', '--severity', 'sev4', '--summary', 'disk filling', '--policy', fast, '--json'], env)).stdout);
    await new Promise((r) => setTimeout(r, 2500));
    const list = await rampart(['near-misses', '--json', '--limit', '20'], env);
    assert.equal(list.code, 0, list.stderr);
    const rows = JSON.parse(list.stdout) as { kind: string; workflow: string }[];
    assert.ok(rows.some((r) => r.kind === 'escalation-last-tier' && r.workflow === opened.incidentId), JSON.stringify(rows));
    await rampart(['incident', 'resolve', opened.incidentId, '--by', 'olga'], env);
  });

  // Last in the file: it stops the worker.
  test('an incident terminated behind Rampart\'s back reads so (with a worker and without), and refuses ack and resolve', async () => {
    const opened = JSON.parse((await rampart(['incident', 'open', '--severity', 'sev2', '--summary', 'queue backing up', '--policy', policy, '--json'], env)).stdout);
    // Terminated once it has paged: a run ended before its first workflow task has no status to replay.
    for (const deadline = Date.now() + 20_000; ; await new Promise((r) => setTimeout(r, 200))) {
      const paged = JSON.parse((await rampart(['incident', 'status', opened.incidentId, '--json'], env)).stdout);
      if (paged.tier) break;
      assert.ok(Date.now() < deadline, 'the incident paged its first tier');
    }
    await h.client.workflow.getHandle(opened.incidentId).terminate('cleaning up by hand');
    const text = await rampart(['incident', 'status', opened.incidentId], env);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /TERMINATED outside Rampart at \S+ by \S+ \(cleaning up by hand\): nobody is paged any more/);
    assert.match(text.stdout, /last known state: open/);
    const json = JSON.parse((await rampart(['incident', 'status', opened.incidentId, '--json'], env)).stdout);
    assert.equal(json.interrupted.how, 'terminated');
    assert.equal(json.interrupted.reason, 'cleaning up by hand');
    for (const command of [['ack', '--by', 'olga'], ['resolve', '--by', 'olga']]) {
      const refused = await rampart(['incident', command[0]!, opened.incidentId, ...command.slice(1)], env);
      assert.equal(refused.code, 3, refused.stderr);
      assert.match(refused.stderr, /was terminated outside Rampart .*pages nobody and takes no commands; open a new incident/);
    }

    await h.stopWorker();
    const started = Date.now();
    const alone = await rampart(['incident', 'status', opened.incidentId], env);
    assert.equal(alone.code, 0, alone.stderr);
    assert.match(alone.stdout, /incident inc-\S+ +sev2 +open +queue backing up/);
    assert.match(alone.stdout, /TERMINATED outside Rampart .*\n  no worker answered for this closed incident/);
    assert.ok(Date.now() - started < 20_000, 'answered without waiting for a worker');
  });
});
