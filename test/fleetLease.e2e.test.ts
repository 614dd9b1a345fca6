import { recordFixture } from './replayFixtures';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { LocalAdapter } from '../activities/adapters/local/localAdapter';
import { fleetLeaseWorkflowId } from '../contract/ids';
import type { RolloutStatus } from '../domain/rolloutStatus';
import { rampart } from './helpers/cli';
import { RolloutHarness, fastPlaybook } from './helpers/rolloutHarness';
import { dryRunFleet } from './helpers/dryRun';
import { bundleWorkflows, devServerAddress } from './helpers/temporal';

const ended = (s: RolloutStatus) => ['completed', 'rolled_back', 'failed', 'held'].includes(s.state);
/** Long enough a wave for a second start to find the first one running. */
const slowWave = fastPlaybook({
  phases: { canary: { size: 1, bakeTime: '2s' }, waves: [{ size: '100%', bakeTime: '15s', maxParallel: 1 }] },
});
const quick = fastPlaybook({ method: 'direct', phases: { waves: [{ size: '100%', bakeTime: '1s', maxParallel: 3 }] } });

describe('one writer per target: the fleet lease (dev server, real fleet, the CLI)', () => {
  const h = new RolloutHarness();
  let env: Record<string, string>;
  let quickFile: string;
  before(async () => {
    await h.start({ size: 3 });
    env = { TEMPORAL_ADDRESS: devServerAddress(), RAMPART_TASK_QUEUE: h.taskQueue };
    quickFile = h.writeFile('quick.json', JSON.stringify(quick));
  });
  after(async () => h.stop());

  // Each version is built once: a rebuild would change the digest a queued rollout was started with.
  const built = new Map<string, Promise<{ path: string; sha256: string }>>();
  const artifactOf = (version: string) => {
    if (!built.has(version)) built.set(version, h.artifact(version));
    return built.get(version) as Promise<{ path: string; sha256: string }>;
  };
  const startCli = async (id: string, version: string, playbook: string, more: string[] = []) => {
    const artifact = await artifactOf(version);
    return rampart(['rollout', 'start', '--playbook', playbook, '--fleet', h.fleet.fleetFile, '--artifact', artifact.path, '--id', id, '--by', 'bob', ...more], env);
  };
  const holders = async () => (await h.rollouts.leases.state('local')).holders.map((e) => e.rolloutId);
  /**
   * The rollout's execution has ended: its status turns final a moment earlier, while it writes
   * its release report, and it gives the lease back only then.
   */
  const closed = (id: string) => h.rollouts.handle(id).result().catch(() => undefined);

  test('an overlapping start is refused with exit 3 naming the holder; --queue waits in line and runs once the holder ends', async () => {
    const first = await h.artifact('2.0.0');
    await h.startRollout(h.input('lease-first', slowWave, first, '2.0.0'));
    await h.waitFor('lease-first', (s) => s.step === 'canary');

    const refused = await startCli('lease-second', '2.1.0', quickFile);
    assert.equal(refused.code, 3, refused.stderr);
    assert.match(refused.stderr, /start rejected: fleet local: rollout lease-first \(started by alice\) is holding 3 of these targets; wait until it ends, or start again with --queue/);
    assert.equal((await rampart(['rollout', 'status', 'lease-second'], env)).code, 4, 'nothing was started');

    const queued = await startCli('lease-queued', '2.1.0', quickFile, ['--queue', '--json']);
    assert.equal(queued.code, 0, queued.stderr);
    const answer = JSON.parse(queued.stdout.trim());
    assert.equal(answer.lease.state, 'queued');
    assert.deepEqual(answer.lease.blockers, [{ rolloutId: 'lease-first', overlap: 3, queued: false }]);
    const waiting = await h.waitFor('lease-queued', (s) => s.state === 'queued');
    assert.match(waiting.timeline.find((e) => e.event === 'queued for lease')?.detail ?? '', /waiting behind lease-first \(holding 3 of its targets\); starts when they end/);
    assert.ok(waiting.targets.every((t) => t.state === 'pending'), 'a queued rollout touches nothing');
    const third = await startCli('lease-third', '2.1.0', quickFile);
    assert.equal(third.code, 3, 'the line is no way past the holder');
    assert.match(third.stderr, /rollout lease-first \(started by alice\) is holding 3 of these targets; rollout lease-queued \(started by bob\) is waiting in line for 3 of these targets/);

    const firstDone = await h.waitFor('lease-first', ended, 90_000);
    assert.equal(firstDone.state, 'completed', firstDone.outcome?.reason);
    const second = await h.waitFor('lease-queued', ended, 90_000);
    assert.equal(second.state, 'completed', second.outcome?.reason);
    const granted = second.timeline.find((e) => e.event === 'lease granted');
    assert.ok(granted && granted.at >= (firstDone.endedAt as string), 'its turn came when the holder ended');
    assert.deepEqual(Object.values(await h.versions()), ['2.1.0', '2.1.0', '2.1.0']);
    // Each target's journal: the first rollout's install finished before the queued one's began.
    for (const [id, records] of Object.entries(await h.journal())) {
      assert.deepEqual(records.filter((r) => r.action === 'install').map((r) => r.to).slice(-2), ['2.0.0', '2.1.0'], id);
    }
    assert.deepEqual(await holders(), [], 'both leases were given back');
  });

  test('a failed rollout and a rolled-back one give the lease back', async () => {
    const artifact = await artifactOf('3.0.0');
    await h.startRollout({ ...h.input('lease-bad-digest', quick, artifact, '3.0.0'), release: { version: '3.0.0', artifactPath: artifact.path, sha256: '0'.repeat(64), notes: 'x' } });
    const failed = await h.waitFor('lease-bad-digest', ended);
    assert.equal(failed.state, 'failed');
    assert.match(failed.outcome?.reason ?? '', /artifact verification failed/);
    await closed('lease-bad-digest');
    assert.deepEqual(await holders(), []);

    await h.startRollout(h.input('lease-rolled-back', slowWave, artifact, '3.0.0'));
    await h.waitFor('lease-rolled-back', (s) => s.step === 'wave-1');
    await h.rollouts.rollback('lease-rolled-back', { by: 'oncall' });
    assert.equal((await h.waitFor('lease-rolled-back', ended)).state, 'rolled_back');
    await closed('lease-rolled-back');
    assert.deepEqual(await holders(), []);
    const next = await startCli('lease-after-rollback', '3.0.1', quickFile, ['--wait']);
    assert.equal(next.code, 0, next.stderr);
  });

  test('the lease of a terminated rollout is taken over by the next start, with a timeline note', async () => {
    const artifact = await h.artifact('4.0.0');
    await h.startRollout(h.input('lease-terminated', slowWave, artifact, '4.0.0'));
    await h.waitFor('lease-terminated', (s) => s.step === 'wave-1');
    await promisify(execFile)(process.env.TEMPORAL_CLI as string, ['workflow', 'terminate', '--workflow-id', 'lease-terminated', '--reason', 'test', '--address', devServerAddress()]);
    assert.deepEqual(await holders(), ['lease-terminated'], 'a terminated rollout cannot give its lease back itself');

    const next = await startCli('lease-successor', '4.0.1', quickFile, ['--wait']);
    assert.equal(next.code, 0, next.stderr);
    assert.match(next.stdout, /took over the lease on fleet local from rollout lease-terminated, which is terminated/);
    const status = await h.status('lease-successor');
    assert.match(status.timeline.find((e) => e.event === 'lease taken over')?.detail ?? '', /from rollout lease-terminated, which is terminated and had not released it/);
    assert.deepEqual(Object.values(await h.versions()), ['4.0.1', '4.0.1', '4.0.1']);
  });

  test('a rollback leaves alone a target someone changed since, and reports it', async () => {
    const before = await h.versions();
    const artifact = await h.artifact('5.0.0');
    await h.startRollout(h.input('lease-rollback-guard', slowWave, artifact, '5.0.0'));
    const inWave = await h.waitFor('lease-rollback-guard', (s) => s.step === 'wave-1');
    const canary = inWave.steps[0]?.targets[0] as string;
    // Someone installs a hotfix on the canary by hand while the rollout bakes.
    const hotfix = await h.artifact('5.0.0-hotfix');
    const target = h.fleet.fleet.targets.find((t) => t.id === canary);
    assert.ok(target);
    await new LocalAdapter().install({ key: 'by-hand/hotfix', rolloutId: 'by-hand', step: 'manual', target, version: '5.0.0-hotfix', artifact: hotfix });
    // (The health gate may see the odd version first and roll back on its own: the same rollback.)
    await h.rollouts.stop('lease-rollback-guard', { by: 'oncall', then: 'rollback' }).catch(() => undefined);

    const done = await h.waitFor('lease-rollback-guard', ended, 90_000);
    assert.equal(done.state, 'rolled_back', done.outcome?.reason);
    const versions = await h.versions();
    assert.equal(versions[canary], '5.0.0-hotfix', 'the hand-installed hotfix is still there');
    for (const id of Object.keys(versions).filter((id) => id !== canary)) assert.equal(versions[id], before[id], `${id} is back on its previous version`);
    const canaryStatus = done.targets.find((t) => t.id === canary);
    assert.deepEqual([canaryStatus?.state, canaryStatus?.version], ['left_alone', '5.0.0-hotfix']);
    assert.match(done.timeline.find((e) => e.event === 'left alone')?.detail ?? '', new RegExp(`${canary}: left alone: runs 5\\.0\\.0-hotfix, not 5\\.0\\.0 that this rollout installed`));
    assert.match(done.timeline.find((e) => e.event === 'rollback finished')?.detail ?? '', new RegExp(`1 left alone, changed since by someone else: ${canary} on 5\\.0\\.0-hotfix`));
    const journal = (await h.journal())[canary] ?? [];
    assert.equal(journal.filter((r) => r.action === 'rollback' && r.key.startsWith('lease-rollback-guard/')).length, 0, 'nothing was rolled back on it');

    const shown = await rampart(['rollout', 'status', 'lease-rollback-guard'], env);
    assert.match(shown.stdout, new RegExp(`${canary}\\s+5\\.0\\.0-hotfix\\s+left_alone`));
    const watched = await rampart(['rollout', 'watch', 'lease-rollback-guard'], env);
    assert.match(watched.stdout, /left alone: .*runs 5\.0\.0-hotfix, not 5\.0\.0 that this rollout installed/);
  });

  test('a reservation whose rollout never started, and a holder terminated while others wait in line, are taken over; a stop while waiting leaves the line', async () => {
    const ids = h.fleet.fleet.targets.map((t) => t.id);
    // A start that reserved the targets and died before starting its rollout.
    assert.equal((await h.rollouts.leases.reserve({ fleet: 'local', targets: ids, rolloutId: 'lease-ghost', by: 'carol', queue: false })).state, 'granted');
    const afterGhost = await startCli('lease-after-ghost', '6.0.0', quickFile, ['--wait']);
    assert.equal(afterGhost.code, 0, afterGhost.stderr);
    assert.match(afterGhost.stdout, /took over the lease on fleet local from rollout lease-ghost, which is not found/);
    assert.match((await h.status('lease-after-ghost')).timeline.find((e) => e.event === 'lease taken over')?.detail ?? '', /from rollout lease-ghost, which is not found/);

    const artifact = await artifactOf('6.1.0');
    await h.startRollout(h.input('lease-doomed', slowWave, artifact, '6.1.0'));
    await h.waitFor('lease-doomed', (s) => s.step === 'canary');
    const patient = await h.rollouts.startLeased(h.input('lease-patient', quick, await artifactOf('6.2.0'), '6.2.0'), { queue: true });
    assert.equal(patient.lease?.state, 'queued');
    await h.rollouts.startLeased(h.input('lease-impatient', quick, await artifactOf('6.2.0'), '6.2.0'), { queue: true });
    await h.waitFor('lease-impatient', (s) => s.state === 'queued');
    await h.rollouts.stop('lease-impatient', { by: 'dave', then: 'rollback' });
    const gaveUp = await h.waitFor('lease-impatient', ended);
    assert.equal(gaveUp.state, 'failed');
    assert.match(gaveUp.outcome?.reason ?? '', /stopped while waiting in line for the lease on fleet local; no target was touched/);
    assert.deepEqual((await h.rollouts.leases.state('local')).queue.map((e) => e.rolloutId), ['lease-patient'], 'the stopped one left the line');

    await promisify(execFile)(process.env.TEMPORAL_CLI as string, ['workflow', 'terminate', '--workflow-id', 'lease-doomed', '--reason', 'test', '--address', devServerAddress()]);
    // Nobody asks for the targets: the lock finds the holder gone on its own (every 15 s while someone waits).
    const done = await h.waitFor('lease-patient', ended, 60_000);
    assert.equal(done.state, 'completed', done.outcome?.reason);
    assert.match(done.timeline.find((e) => e.event === 'lease taken over')?.detail ?? '', /from rollout lease-doomed, which is terminated/);
    assert.ok(done.timeline.some((e) => e.event === 'lease granted'));
    assert.deepEqual(Object.values(await h.versions()), ['6.2.0', '6.2.0', '6.2.0']);
    await closed('lease-patient');
    assert.deepEqual(await holders(), []);
  });

  test('bad lease requests are refused by the validator with the field and the rule', async () => {
    await assert.rejects(h.rollouts.leases.reserve({ fleet: 'local', targets: [], rolloutId: 'lease-empty', by: 'erin', queue: false }), (err: Error) => {
      assert.match(err.message, /start rejected: invalid lease request: targets: a lease covers at least one target/);
      return true;
    });
    await assert.rejects(h.rollouts.leases.reserve({ fleet: 'local', targets: ['t-01'], rolloutId: 'no spaces', by: 'erin', queue: false }), /rolloutId: expected a rollout id of letters/);
    assert.deepEqual(await holders(), []);
  });

  test('the lock continues as new when Temporal suggests it, carrying its holder and its line; its history replays', async () => {
    // A running rollout (dry-run targets of its own) is the holder whose lease must survive the boundary.
    const holder = await h.startRollout(h.input('lease-can-holder', fastPlaybook({ phases: { canary: { size: 1, bakeTime: '1h' }, waves: [{ size: '100%', bakeTime: '1s' }] } }), await artifactOf('7.0.0'), '7.0.0', dryRunFleet('lease-can-holder', 2)));
    try {
      await h.waitFor('lease-can-holder', (s) => s.step === 'canary');
      const fleet = 'lease-can';
      const leases = h.rollouts.leases;
      await leases.reserve({ fleet, targets: ['x-1'], rolloutId: 'lease-can-holder', by: 'alice', queue: false });
      assert.equal((await leases.reserve({ fleet, targets: ['x-1', 'x-2'], rolloutId: 'lease-can-waiter', by: 'bob', queue: true })).state, 'queued');
      const lock = h.client.workflow.getHandle(fleetLeaseWorkflowId(h.taskQueue, fleet));
      const firstRun = (await lock.describe()).runId;
      // Busy traffic on other targets of the same fleet: reservations and releases, one after the other.
      for (let i = 0; i < 800 && (i % 20 !== 0 || (await lock.describe()).runId === firstRun); i++) {
        await leases.reserve({ fleet, targets: [`c-${i}`], rolloutId: `lease-can-${i}`, by: 'bot', queue: false });
        await leases.cancel({ fleet, rolloutId: `lease-can-${i}` });
      }
      const nowRun = (await lock.describe()).runId;
      assert.notEqual(nowRun, firstRun, 'the lock continued as new');
      const first = await h.client.workflow.getHandle(lock.workflowId, firstRun).fetchHistory();
      assert.equal(first.events?.at(-1)?.eventType, temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW);
      assert.ok((first.events?.length ?? 0) < 10_240, `the lock's run stayed under 10,240 events (${first.events?.length})`);
      await Worker.runReplayHistory({ workflowBundle: await bundleWorkflows(require.resolve('../workflows')) }, first);
      recordFixture('fleet-lease-continued', first);

      const state = await leases.state(fleet);
      assert.deepEqual(state.holders.map((e) => e.rolloutId), ['lease-can-holder']);
      assert.deepEqual(state.queue.map((e) => e.rolloutId), ['lease-can-waiter']);
      await assert.rejects(leases.reserve({ fleet, targets: ['x-1'], rolloutId: 'lease-can-late', by: 'carol', queue: false }), /rollout lease-can-holder \(started by alice\) is holding 1 of these targets/);
      // The waiter was only ever a reservation (no rollout of that id runs): found out and dropped on the way.
      assert.deepEqual((await leases.state(fleet)).queue, []);
    } finally {
      await holder.terminate('test over').catch(() => undefined);
    }
  });
});
