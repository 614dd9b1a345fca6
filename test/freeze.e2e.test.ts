import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { changeControlWorkflowId, rolloutWorkflowId } from '../contract/ids';
import type { Fleet } from '../domain/fleet';
import { rampart } from './helpers/cli';
import { FROM_VERSION, RolloutHarness, fastPlaybook } from './helpers/rolloutHarness';
import { bundleWorkflows, devServerAddress } from './helpers/temporal';
import { replayAndRecord } from './replayFixtures';

/**
 * Freezes (issue 10, point 2) on the dev server with a real worker, fleet and CLI: a calendar
 * file checked with positions and applied idempotently; a start inside a fleet freeze refused
 * with exit 3 naming the freeze and its end; a running rollout waiting at the boundary before the
 * step a labels freeze holds, its status naming the freeze and until when, while pause and stop
 * still work; a break-glass that needs a second person and is in the timeline; a removed freeze
 * releasing whoever waits on it.
 */
const NEW = '2.0.0';
const playbook = fastPlaybook({
  method: 'phased',
  phases: { canary: { size: 1, bakeTime: '1s' }, waves: [{ size: '100%', bakeTime: '1s', maxParallel: 2 }] },
});

/** A wall-clock time in UTC as freezes take it: "2026-12-02T17:05". */
function utcLocal(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16);
}

describe('freezes: calendar, start refused, waiting at the boundary, break-glass (dev server, real worker, fleet and CLI)', () => {
  const h = new RolloutHarness();
  let env: Record<string, string>;
  const cli = (...args: string[]) => rampart(args, env);
  let artifact: { path: string; sha256: string };
  let playbookFile: string;
  /** Two targets of the fleet, the second labelled region=eu: rollouts on disjoint pairs run at once. */
  const pair = (i: number): Fleet => ({
    ...h.fleet.fleet,
    targets: [h.fleet.fleet.targets[2 * i]!, { ...h.fleet.fleet.targets[2 * i + 1]!, labels: { region: 'eu' } }],
  });

  before(async () => {
    await h.start({ size: 6 });
    env = { TEMPORAL_ADDRESS: devServerAddress(), RAMPART_TASK_QUEUE: h.taskQueue };
    artifact = await h.artifact(NEW);
    playbookFile = h.writeFile('playbook.json', JSON.stringify(playbook));
  });
  after(() => h.stop());

  test('a bad calendar file is exit 2 with file:line:col for each mistake, and nothing is recorded', async () => {
    const file = h.writeFile('bad-freezes.yaml', [
      'freezes:',
      '  - name: year-end',
      '    reason: holiday change freeze',
      '    timeZone: Mars/Olympus',
      '    from: 2026-12-20T00:00',
      '    until: 2027-01-04T09:00',
      '  - name: fridays',
      '    reason: no Friday afternoon releases',
      '    timeZone: Europe/Berlin',
      '    rrule: FREQ=SOMETIMES',
      '    start: 2026-01-02T14:00',
      '    duration: 66h',
      '  - name: gone',
      '    reason: a year long past',
      '    timeZone: UTC',
      '    rrule: FREQ=YEARLY;COUNT=1',
      '    start: 2020-12-24T00:00',
      '    duration: 24h',
      '  - name: backwards',
      '    reason: ends first',
      '    timeZone: UTC',
      '    from: 2027-02-02T00:00',
      '    until: 2027-02-01T00:00',
      '',
    ].join('\n'));
    for (const command of ['validate', 'apply']) {
      const r = await cli('freeze', command, file);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /bad-freezes\.yaml:4:15: freezes\[0\]\.timeZone: expected an IANA time zone/);
      assert.match(r.stderr, /bad-freezes\.yaml:10:12: freezes\[1\]\.rrule: RRULE "FREQ=SOMETIMES": an RRULE needs FREQ=YEARLY/);
      assert.match(r.stderr, /bad-freezes\.yaml:16:12: freezes\[2\]\.rrule: no window in the next 400 days/);
      assert.match(r.stderr, /bad-freezes\.yaml:23:12: freezes\[3\]\.until: until must be after from/);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    }
    await assert.rejects(h.client.workflow.getHandle(changeControlWorkflowId(h.taskQueue)).describe(), /not found/i);
  });

  test('a freeze of the fleet in force: apply is idempotent, a start is refused with exit 3 naming it and its end, break-glass needs a second person', async () => {
    const until = utcLocal(Date.now() + 2 * 3600_000);
    const file = h.writeFile('freezes.yaml', [
      'freezes:',
      '  - name: payments-migration',
      '    reason: payments database migration',
      '    timeZone: UTC',
      `    from: ${utcLocal(Date.now() - 3600_000)}`,
      `    until: ${until}`,
      `    scope: { fleet: ${h.fleet.fleet.name} }`,
      '  - name: friday-afternoons',
      '    reason: nobody is around for the weekend',
      '    timeZone: Europe/Berlin',
      '    rrule: FREQ=WEEKLY;BYDAY=FR',
      '    start: 2026-01-02T14:00',
      '    duration: 66h',
      '    scope: { fleet: another-fleet }',
      '',
    ].join('\n'));
    const valid = await cli('freeze', 'validate', file, '--json');
    assert.equal(valid.code, 0, valid.stderr);
    const fridays = JSON.parse(valid.stdout).freezes.find((f: { name: string }) => f.name === 'friday-afternoons');
    assert.equal(fridays.nextWindows.length, 3);
    for (const w of fridays.nextWindows) assert.equal(new Date(w.start).getUTCDay(), 5, 'a Friday');

    const first = await cli('freeze', 'apply', file, '--by', 'rm-alice');
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /added payments-migration, friday-afternoons/);
    const second = await cli('freeze', 'apply', file, '--by', 'rm-alice');
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /freezes\.yaml: no change/);
    // A change inside the scope alone is a change, not "no change".
    const moved = h.writeFile('freezes-moved.yaml', readFileSync(file, 'utf8').replace('scope: { fleet: another-fleet }', 'scope: { fleet: third-fleet }'));
    const third = await cli('freeze', 'apply', moved, '--by', 'rm-alice');
    assert.equal(third.code, 0, third.stderr);
    assert.match(third.stdout, /freezes-moved\.yaml: changed friday-afternoons$/m);
    const listed = await cli('freeze', 'list');
    assert.match(listed.stdout, /payments-migration: payments database migration \(fleet \S+, UTC\)\s+\[IN FORCE\]/);

    const fleetFile = h.writeFile('fleet-0.json', JSON.stringify(pair(0)));
    const start = (...extra: string[]) => cli('rollout', 'start', '--playbook', playbookFile, '--fleet', fleetFile, '--artifact', artifact.path, '--sha256', artifact.sha256, '--by', 'alice', ...extra);
    const refused = await start('--id', 'frozen-start');
    assert.equal(refused.code, 3, refused.stderr);
    assert.match(refused.stderr, new RegExp(`start refused: freeze "payments-migration" \\(payments database migration\\) until ${until}:00\\.000Z`));
    assert.match(refused.stderr, /nothing was started/);
    await assert.rejects(h.rollouts.describe('frozen-start'), /no rollout with id "frozen-start"/);

    const sameApprover = await start('--id', 'frozen-start', '--break-glass', '--reason', 'security fix', '--approver', 'ALICE');
    assert.equal(sameApprover.code, 3, sameApprover.stderr);
    assert.match(sameApprover.stderr, /the approver \(ALICE\) must be someone other than the requester \(alice\)/);
    const longGlass = await start('--id', 'frozen-start', '--break-glass', '--reason', 'security fix', '--approver', 'bob', '--for', '3d');
    assert.equal(longGlass.code, 2, longGlass.stderr);
    assert.match(longGlass.stderr, /--for: /);

    const glass = await start('--id', 'frozen-start', '--break-glass', '--reason', 'CVE fix cannot wait', '--approver', 'bob', '--for', '1h', '--wait');
    assert.equal(glass.code, 0, glass.stderr + glass.stdout);
    const done = await h.status('frozen-start');
    assert.equal(done.state, 'completed');
    const overridden = done.timeline.find((e) => e.event === 'freeze overridden');
    assert.ok(overridden, JSON.stringify(done.timeline.map((e) => e.event)));
    assert.equal(overridden.by, 'bob');
    assert.equal(overridden.reason, 'CVE fix cannot wait');
    assert.match(overridden.detail ?? '', /break-glass approved by bob for alice until \S+; overrides freeze "payments-migration"/);
    const audit = await cli('freeze', 'list', '--json');
    const grant = JSON.parse(audit.stdout).overrides.find((o: { rolloutId: string }) => o.rolloutId === 'frozen-start');
    assert.equal(grant.approver, 'bob');

    const removed = await cli('freeze', 'remove', 'payments-migration', '--reason', 'migration done', '--by', 'rm-alice');
    assert.equal(removed.code, 0, removed.stderr);
    const unknown = await cli('freeze', 'remove', 'payments-migration', '--reason', 'again');
    assert.equal(unknown.code, 4, unknown.stderr);
    assert.match(unknown.stderr, /no freeze named "payments-migration"/);
  });

  test('a labels freeze holds a running rollout at the boundary of the step it covers; pause works meanwhile; a break-glass lets it on', async () => {
    const fleet = pair(1);
    // A labels freeze does not refuse the start: it holds the steps that touch its targets.
    const add = await cli('freeze', 'add', '--name', 'eu-holiday', '--reason', 'EU bank holiday', '--time-zone', 'UTC',
      '--from', utcLocal(Date.now() - 60_000), '--until', utcLocal(Date.now() + 3 * 3600_000), '--labels', 'region=eu', '--by', 'rm-alice');
    assert.equal(add.code, 0, add.stderr);
    assert.match(add.stdout, /eu-holiday: EU bank holiday \(targets labelled region=eu, UTC\)/);
    await h.startRollout(h.input('wait-eu', playbook, artifact, NEW, fleet));

    const frozen = await h.waitFor('wait-eu', (s) => s.state === 'frozen', 90_000);
    assert.equal(frozen.frozen?.step, 'wave-1');
    assert.equal(frozen.frozen?.freezes[0]?.name, 'eu-holiday');
    assert.ok(Date.parse(frozen.frozen!.until) > Date.now() + 2 * 3600_000, frozen.frozen!.until);
    const versions = await h.versions();
    assert.equal(versions[fleet.targets[0]!.id], NEW, 'the canary, unlabelled, was not held');
    assert.equal(versions[fleet.targets[1]!.id], FROM_VERSION, 'the eu target waits');
    const shown = await cli('rollout', 'status', 'wait-eu');
    assert.match(shown.stdout, /frozen/);
    assert.match(shown.stdout, /eu-holiday/);
    const listed = await cli('rollout', 'list', '--state', 'frozen');
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /wait-eu/);

    const paused = await cli('rollout', 'pause', 'wait-eu', '--by', 'carol');
    assert.equal(paused.code, 0, paused.stderr);
    await h.waitFor('wait-eu', (s) => s.state === 'paused');
    const resumed = await cli('rollout', 'resume', 'wait-eu', '--by', 'carol');
    assert.equal(resumed.code, 0, resumed.stderr);
    await h.waitFor('wait-eu', (s) => s.state === 'frozen');

    const self = await cli('freeze', 'override', 'wait-eu', '--reason', 'customer outage fix', '--approver', 'dave', '--by', 'dave');
    assert.equal(self.code, 3, self.stderr);
    assert.match(self.stderr, /approver \(dave\) must be someone other than the requester \(dave\)/);
    const nobody = await cli('freeze', 'override', 'no-such-rollout', '--reason', 'x', '--approver', 'erin', '--by', 'dave');
    assert.equal(nobody.code, 4, nobody.stderr);
    const granted = await cli('freeze', 'override', 'wait-eu', '--reason', 'customer outage fix', '--approver', 'erin', '--by', 'dave', '--for', '30m');
    assert.equal(granted.code, 0, granted.stderr);
    const done = await h.waitFor('wait-eu', (s) => s.state === 'completed', 60_000);
    assert.equal(done.frozen ?? null, null);
    const events = done.timeline.map((e) => e.event);
    assert.ok(events.indexOf('frozen') < events.indexOf('freeze overridden'), events.join(','));
    assert.match(JSON.stringify(done.timeline), /overrides freeze \\"eu-holiday\\" \(EU bank holiday\)/);
    assert.equal((await h.versions())[fleet.targets[1]!.id], NEW);
  });

  test('a rollout waiting at a freeze still stops and rolls back; removing the freeze releases one that waits', async () => {
    const [stopped, released] = [pair(2), pair(0)];
    // One target each: the canary; then wave-1 holds the eu target, and eu-holiday is in force.
    await h.startRollout(h.input('wait-stop', playbook, await h.artifact('2.0.1'), '2.0.1', stopped));
    await h.waitFor('wait-stop', (s) => s.state === 'frozen', 90_000);
    const stop = await cli('rollout', 'stop', 'wait-stop', '--then', 'rollback', '--by', 'carol', '--reason', 'bad build');
    assert.equal(stop.code, 0, stop.stderr);
    const rolled = await h.waitFor('wait-stop', (s) => s.state === 'rolled_back', 60_000);
    assert.equal(rolled.frozen ?? null, null);
    assert.equal((await h.versions())[stopped.targets[0]!.id], FROM_VERSION, 'the canary rolled back during the freeze');

    const other = await h.artifact('2.0.2');
    await h.startRollout(h.input('wait-lift', playbook, other, '2.0.2', released));
    await h.waitFor('wait-lift', (s) => s.state === 'frozen', 90_000);
    const removed = await cli('freeze', 'remove', 'eu-holiday', '--reason', 'holiday moved', '--by', 'rm-alice');
    assert.equal(removed.code, 0, removed.stderr);
    assert.match(removed.stdout, /rollouts waiting on it go on/);
    const done = await h.waitFor('wait-lift', (s) => s.state === 'completed', 60_000);
    assert.match(JSON.stringify(done.timeline), /eu-holiday: no freeze holds the next step now/);
  });

  test('the freeze waits and the calendar replay on the current code (recorded with RAMPART_RECORD_HISTORIES=1)', async () => {
    const found = await replayAndRecord(h.client, await bundleWorkflows(require.resolve('../workflows')), [
      { workflowId: changeControlWorkflowId(h.taskQueue), file: 'change-control-freezes' },
      { workflowId: rolloutWorkflowId('frozen-start'), file: 'rollout-break-glass-past-freeze' },
      { workflowId: rolloutWorkflowId('wait-eu'), file: 'rollout-frozen-paused-overridden' },
      { workflowId: rolloutWorkflowId('wait-stop'), file: 'rollout-frozen-stopped-rolled-back' },
      { workflowId: rolloutWorkflowId('wait-lift'), file: 'rollout-frozen-freeze-removed' },
    ]);
    assert.equal(found.length, 5, found.join(', '));
  });
});
