import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { trainRolloutId, trainScheduleId } from '../contract/ids';
import type { TrainRunResult } from '../contract/train';
import { WorkflowType } from '../contract/workflowTypes';
import { buildArtifact } from '../local/fleet/artifactBuild';
import { Worker } from '@temporalio/worker';
import { TrainClient } from '../client/trainClient';
import { rampart } from './helpers/cli';
import { recordFixture } from './replayFixtures';
import { RolloutHarness, fastPlaybook } from './helpers/rolloutHarness';
import { bundleWorkflows, devServerAddress } from './helpers/temporal';

/**
 * A release train end to end on the dev server (the time-skipping server has no Schedules,
 * temporalio/sdk-java#1954): the CLI applies it, triggers it, and its run ships the channel's
 * newest verified artifact to a real local fleet, under the schedule's SKIP overlap policy.
 */
interface RunView { scheduledAt: string; workflowId: string; status: string; result?: TrainRunResult }
interface DescribeView { nextRuns: string[]; timeZone: string; skippedOverlap: number; actionsTaken: number; running: string[]; recentRuns: RunView[] }

/** Long enough for a second trigger to find the first run's rollout still running. */
const playbook = fastPlaybook({
  name: 'train-release',
  phases: { canary: { size: 1, bakeTime: '2s' }, waves: [{ size: '100%', bakeTime: '3s', maxParallel: 2 }] },
});

describe('a release train on a Temporal Schedule (dev server, real fleet, the CLI)', () => {
  const h = new RolloutHarness();
  const name = `e2e-${randomBytes(3).toString('hex')}`;
  let env: Record<string, string>;
  let trainFile: string;

  const cli = (...args: string[]) => rampart(['schedule', ...args], env);
  /** Polls go through the typed client the CLI uses (a CLI process per poll costs a second). */
  const runs = async () => {
    const trains = new TrainClient(h.client, h.taskQueue);
    return trains.recentRuns(await trains.describe(name));
  };
  const endedRuns = async (outcome: TrainRunResult['outcome']) => (await runs()).filter((r) => r.result?.outcome === outcome);
  const describeTrain = async (): Promise<DescribeView> => {
    const out = await cli('describe', name, '--json');
    assert.equal(out.code, 0, out.stderr);
    return JSON.parse(out.stdout) as DescribeView;
  };
  const until = async <T>(what: string, read: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 60_000): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await read();
      if (done(value)) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
      await new Promise((r) => setTimeout(r, 300));
    }
  };
  /** The run's history replays on the current code (and is kept as a fixture with RAMPART_RECORD_HISTORIES=1). */
  const replayed = async (fixture: string, workflowId: string) => {
    const history = await h.client.workflow.getHandle(workflowId).fetchHistory();
    await Worker.runReplayHistory({ workflowBundle: await bundleWorkflows(require.resolve('../workflows')) }, history);
    recordFixture(fixture, history);
  };
  const writeTrain = (extra: string) => {
    writeFileSync(trainFile, [
      `name: ${name}`,
      'playbook: playbook.json',
      'fleet: fleet/fleet.json',
      'channel: channel',
      'timeZone: America/New_York',
      // Once a year at 03:00 on New Year's Day: never during the test, so every run here is a trigger.
      'calendars:',
      '  - { month: JANUARY, dayOfMonth: 1, hour: 3 }',
      extra,
    ].join('\n'));
  };

  before(async () => {
    await h.start({ size: 3 });
    env = { TEMPORAL_ADDRESS: devServerAddress(), RAMPART_TASK_QUEUE: h.taskQueue };
    h.writeFile('playbook.json', JSON.stringify(playbook));
    const channel = path.join(h.dir, 'channel');
    mkdirSync(channel);
    await buildArtifact({ version: '1.1.0', outDir: channel });
    // A newer artifact whose published digest does not match it: never "verified", never picked.
    const tampered = await buildArtifact({ version: '2.0.0', outDir: channel });
    writeFileSync(`${tampered.path}.sha256`, `${'0'.repeat(64)}  app-2.0.0.tar.gz\n`);
    trainFile = path.join(h.dir, 'train.yaml');
    writeTrain('');
  });

  after(async () => {
    await h.client.schedule.getHandle(trainScheduleId(h.taskQueue, name)).delete().catch(() => undefined);
    await h.stop();
  });

  test('apply creates the schedule; applying it again changes nothing; a changed file updates it', async () => {
    const created = await cli('apply', trainFile);
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, new RegExp(`train ${name}: created`));
    const handle = h.client.schedule.getHandle(trainScheduleId(h.taskQueue, name));
    const first = await handle.describe();

    const again = await cli('apply', trainFile);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, new RegExp(`train ${name}: unchanged`));
    assert.deepEqual((await handle.describe()).info.lastUpdatedAt, first.info.lastUpdatedAt, 'the second apply wrote nothing');

    writeTrain('jitter: 1m');
    assert.match((await cli('apply', trainFile)).stdout, /: updated/);
    assert.equal((await handle.describe()).spec.jitter, 60_000);
    assert.match((await cli('apply', trainFile)).stdout, /: unchanged/);
  });

  test("describe shows the next 5 runs in the train's zone, and list shows the train", async () => {
    const view = await describeTrain();
    assert.equal(view.timeZone, 'America/New_York');
    assert.equal(view.nextRuns.length, 5);
    // The server's next times carry up to a minute of jitter: 03:00 to 03:01 on New Year's Day, EST.
    for (const [i, run] of view.nextRuns.entries()) assert.match(run, new RegExp(`^${2027 + i}-01-01T03:0[01]:\\d\\d-05:00$`));
    assert.equal(view.skippedOverlap, 0);
    const listed = await cli('list', '--json');
    assert.ok((JSON.parse(listed.stdout) as { name: string }[]).some((t) => t.name === name), listed.stdout);
  });

  test('a run while another rollout holds the fleet starts nothing and says who holds it', async () => {
    const other = await h.artifact('1.0.5');
    await h.startRollout({ ...h.input('manual-holder', playbook, other, '1.0.5'), startedBy: 'carol' });
    await h.waitFor('manual-holder', (s) => s.state === 'running');
    assert.equal((await cli('trigger', name)).code, 0);
    const [refused] = await until('the run to end', () => endedRuns('not started'), (r) => r.length === 1);
    assert.match(refused?.result?.reason ?? '', /1\.1\.0 not started: fleet local: rollout manual-holder \(started by carol\) is holding 3 of these targets/);
    assert.equal(await h.rollouts.describe(trainRolloutId(name, '1.1.0')).then(() => 'started', () => 'none'), 'none', 'no rollout was started');
    assert.equal((await h.waitFor('manual-holder', (s) => s.state === 'completed', 90_000)).version, '1.0.5');
  });

  test('trigger runs the train: the newest verified artifact goes to the fleet, a second run meanwhile is skipped', async () => {
    const triggered = await cli('trigger', name);
    assert.equal(triggered.code, 0, triggered.stderr);
    const rolloutId = trainRolloutId(name, '1.1.0');
    await until('the rollout to start', () => h.rollouts.describe(rolloutId).catch(() => null), (d) => d?.running === true);

    assert.equal((await cli('trigger', name)).code, 0);
    const skipped = await until('the second run to be skipped', describeTrain, (v) => v.skippedOverlap === 1, 30_000);
    assert.equal(skipped.running.length, 1, 'one run at a time');

    const status = await h.waitFor(rolloutId, (s) => ['completed', 'rolled_back', 'failed', 'held'].includes(s.state), 90_000);
    assert.equal(status.state, 'completed');
    assert.equal(status.startedBy, `schedule:${name}`);
    assert.deepEqual(Object.values(await h.versions()), ['1.1.0', '1.1.0', '1.1.0']);

    const [released] = await until('the run to end', () => endedRuns('released'), (r) => r.length === 1);
    const result = released?.result as TrainRunResult;
    assert.equal(result.outcome, 'released');
    assert.equal(result.rolloutState, 'completed');
    assert.equal(result.version, '1.1.0');
    assert.deepEqual(result.skipped.map((s) => s.file), ['app-2.0.0.tar.gz']);
    assert.match(result.skipped[0]?.reason ?? '', /sha256 mismatch/);
    await replayed('train-run-released', released?.workflowId as string);
  });

  test('a run with nothing new ends "nothing to release" and sends nothing', async () => {
    assert.equal((await cli('trigger', name)).code, 0);
    const [last] = await until('the run to end', () => endedRuns('nothing to release'), (r) => r.length === 1) as RunView[];
    assert.ok(last);
    assert.match(last.result?.reason ?? '', /every target of the fleet already runs 1\.1\.0/);
    // Nothing but the two reads: no rollout started, no notice of any kind scheduled.
    const handle = h.client.workflow.getHandle(last.workflowId);
    const history = await handle.fetchHistory();
    const activities = (history.events ?? []).flatMap((e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? []);
    assert.deepEqual(activities, ['fleetFreezes', 'readVersions', 'pickTrainRelease']);
    assert.equal((history.events ?? []).filter((e) => e.startChildWorkflowExecutionInitiatedEventAttributes).length, 0);
    assert.equal((await handle.describe()).type, WorkflowType.trainRun);
    await replayed('train-run-nothing-to-release', last.workflowId);

    // A backfill takes the runs that were due in a past range: New Year's Day 2026, 03:00 New York.
    const backfill = await cli('backfill', name, '--from', '2025-12-31T12:00:00-05:00', '--to', '2026-01-01T12:00:00-05:00');
    assert.equal(backfill.code, 0, backfill.stderr);
    const backfilled = await until('the backfilled run to end', () => endedRuns('nothing to release'), (r) => r.length === 2);
    assert.match(backfilled.at(-1)?.scheduledAt ?? '', /^2026-01-01T08:0[01]:/);
    assert.equal((await cli('backfill', name, '--from', '2026-01-02T00:00:00Z', '--to', '2026-01-01T00:00:00Z')).code, 2, 'a range that ends before it starts');
  });

  test('a run passes over a quarantined version, and releases nothing while the line is stopped', async () => {
    await buildArtifact({ version: '1.2.0', outDir: path.join(h.dir, 'channel') });
    const control = (...args: string[]) => rampart(args, env);
    assert.equal((await control('release', 'quarantine', '1.2.0', '--reason', 'fails on ARM', '--by', 'alice')).code, 0);
    assert.equal((await cli('trigger', name)).code, 0);
    const passedOver = await until('the run to end', () => endedRuns('nothing to release'), (r) => r.length === 3);
    const result = passedOver.at(-1)?.result as TrainRunResult;
    assert.match(result.reason, /already runs 1\.1\.0/);
    assert.deepEqual(result.skipped.find((x) => x.file === 'app-1.2.0.tar.gz')?.reason.match(/^version 1\.2\.0 is quarantined \(by alice at \S+: fails on ARM\)/)?.length, 1, JSON.stringify(result.skipped));

    assert.equal((await control('freeze', 'now', '--reason', 'holiday change freeze', '--by', 'bob')).code, 0);
    assert.equal((await cli('trigger', name)).code, 0);
    const [stopped] = await until('the run to end', () => endedRuns('not started'), (r) => r.length === 2).then((r) => r.slice(-1));
    assert.match(stopped?.result?.reason ?? '', /the line is stopped \(by bob at \S+: holiday change freeze\)/);
    assert.equal((await control('freeze', 'lift', '--reason', 'after the holidays', '--by', 'bob')).code, 0);
    assert.deepEqual(Object.values(await h.versions()), ['1.1.0', '1.1.0', '1.1.0'], 'nothing was released meanwhile');
  });

  test('a run inside a freeze of the fleet is skipped (duringFreeze: skip) or deferred to its end (defer), and says which freeze', async () => {
    const control = (...args: string[]) => rampart(args, env);
    const utc = (ms: number) => new Date(ms).toISOString().slice(0, 19);
    const add = (until: number) => control('freeze', 'add', '--name', 'train-freeze', '--reason', 'quarter close', '--from', utc(Date.now() - 60_000), '--until', utc(until), '--fleet', h.fleet.fleet.name);
    assert.equal((await add(Date.now() + 3600_000)).code, 0);
    assert.equal((await cli('trigger', name)).code, 0);
    const [skipped] = await until('the run to be skipped', () => endedRuns('skipped: frozen'), (r) => r.length === 1) as RunView[];
    assert.match(skipped?.result?.reason ?? '', /freeze "train-freeze" \(quarter close\) until \S+.*: this run is skipped \(duringFreeze: skip\)/);
    await replayed('train-run-frozen-skipped', skipped!.workflowId);
    assert.equal((await control('freeze', 'remove', 'train-freeze', '--reason', 'next case')).code, 0);

    writeTrain('duringFreeze: defer');
    assert.equal((await cli('apply', trainFile)).code, 0);
    const ends = Date.now() + 8000;
    assert.equal((await add(ends)).code, 0);
    assert.equal((await cli('trigger', name)).code, 0);
    const before = (await endedRuns('nothing to release')).length;
    const [deferred] = await until('the deferred run to end', () => endedRuns('nothing to release'), (r) => r.length === before + 1, 60_000).then((r) => r.slice(-1));
    const history = await h.client.workflow.getHandle(deferred!.workflowId).fetchHistory();
    const completedAt = (history.events ?? []).find((e) => e.workflowExecutionCompletedEventAttributes)?.eventTime;
    assert.ok(completedAt && Number(completedAt.seconds) * 1000 >= ends - 1000, 'the run waited for the freeze to end');
    assert.ok((history.events ?? []).some((e) => e.timerStartedEventAttributes), 'it waited on a durable timer');
    await replayed('train-run-frozen-deferred', deferred!.workflowId);
    assert.equal((await control('freeze', 'remove', 'train-freeze', '--reason', 'done')).code, 0);
  });

  test('an unknown train is exit 4; pause, unpause and delete act on the schedule', async () => {
    const verbs = ['trigger', 'describe', 'pause', 'delete'];
    const answers = await Promise.all(verbs.map((verb) => cli(verb, 'no-such-train')));
    for (const [i, unknown] of answers.entries()) {
      assert.equal(unknown.code, 4, `${verbs[i]}: ${unknown.stderr}`);
      assert.match(unknown.stderr, /no train with id "no-such-train"/);
    }
    assert.equal((await cli('pause', name, '--by', 'alice', '--reason', 'holiday')).code, 0);
    const paused = await h.client.schedule.getHandle(trainScheduleId(h.taskQueue, name)).describe();
    assert.equal(paused.state.paused, true);
    assert.equal(paused.state.note, 'paused by alice: holiday');
    assert.match((await cli('apply', trainFile)).stdout, /: unchanged/, 'apply leaves the pause alone');
    assert.equal((await cli('unpause', name)).code, 0);
    assert.equal((await cli('delete', name)).code, 0);
    assert.equal((await cli('describe', name)).code, 4);
  });
});
