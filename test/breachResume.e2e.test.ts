import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { targetFolder, type LocalTarget } from '../domain/fleet';
import { Worker } from '@temporalio/worker';
import { after, before, describe, test } from 'node:test';
import { writeFeature } from '../activities/adapters/local/featureSwitches';
import type { IncidentStatus } from '../domain/incidentStatus';
import { toPublicRelease } from '../domain/publicStatus';
import type { RolloutStatus } from '../domain/rolloutStatus';
import { rampart } from './helpers/cli';
import { FROM_VERSION, RolloutHarness, fastPlaybook } from './helpers/rolloutHarness';
import { BAD, ScriptedTarget } from './helpers/scriptedTarget';
import { bundleWorkflows, devServerAddress } from './helpers/temporal';

const FEATURE = 'new-checkout';
const SECRET_ENV = 'RAMPART_TEST_BREACH_SECRET';
const escalation = { policies: [{ name: 'p', severities: ['sev2'], tiers: [{ name: 'on-call', ackDeadline: '10m', people: [{ name: 'olga' }] }] }] };
const incidents = { severity: 'sev2', policyFile: 'unused-here.yaml' };
const settled = (s: RolloutStatus) => ['held', 'completed', 'rolled_back', 'rollback_incomplete', 'failed'].includes(s.state);

describe('breach, resume and rollback paths (dev server, real fleet)', () => {
  const h = new RolloutHarness();
  before(async () => {
    process.env[SECRET_ENV] = randomBytes(16).toString('hex');
    await h.start({ size: 5 });
  });
  after(async () => h.stop());

  const targetDir = (id: string) => targetFolder(h.fleet.fleet.targets.find((t) => t.id === id) as LocalTarget);
  const features = async (id: string) => {
    const url = (h.fleet.fleet.targets.find((t) => t.id === id) as { url: string }).url;
    return ((await (await fetch(`${url}/health`)).json()) as { features: Record<string, boolean> }).features;
  };
  const installsSince = async (before: Record<string, { action: string; to: string }[]>) => {
    const now = await h.journal();
    return Object.fromEntries(Object.entries(now).map(([id, records]) => [id, records.slice(before[id]?.length ?? 0).map((r) => `${r.action} ${r.to}`)]));
  };
  const incident = async (id: string, done: (s: IncidentStatus) => boolean) => {
    for (let i = 0; i < 100; i++) {
      const s = await h.incidents.status(id);
      if (done(s)) return s;
      await new Promise((r) => setTimeout(r, 100));
    }
    return h.incidents.status(id);
  };
  /** The paths are new (behind patched()): their histories replay on this code, and are kept as fixtures when recording. */
  const replays = async (rolloutId: string, fixtureName: string) => {
    const history = await h.rollouts.handle(rolloutId).fetchHistory();
    await Worker.runReplayHistory({ workflowBundle: await bundleWorkflows(require.resolve('../workflows')) }, history);
    const fixture = path.join(__dirname, 'fixtures', 'histories', `${fixtureName}.history.bin`);
    if (process.env.RAMPART_RECORD_HISTORIES === '1' && !existsSync(fixture)) {
      writeFileSync(fixture, temporal.api.history.v1.History.encode(history).finish());
    }
  };
  /** Earlier tests switched the feature off on some targets: each test starts with it on everywhere. */
  const featuresOn = () => Promise.all(h.fleet.fleet.targets.map((t) => writeFeature(targetDir(t.id), FEATURE, true)));
  /** The rollout after the next time it settles (held or ended), once the timeline moved past `entries`. */
  const nextSettled = (id: string, entries: number) => h.waitFor(id, (s) => s.timeline.length > entries && settled(s), 120_000);

  test('resume after a breach re-gates the breached step first; a second trip reports into the open incident, a later one opens inc-<id>.2', async () => {
    await featuresOn();
    const journalBefore = await h.journal();
    const version = '3.1.0-flag';
    const artifact = await h.artifact(version, { errorRate: 0.6, feature: FEATURE });
    const playbook = fastPlaybook({ onBreach: 'pause', incidents });
    const handle = await h.startRollout({ ...h.input('regate-1', playbook, artifact, version), escalation });

    const first = await nextSettled('regate-1', 0);
    assert.equal(first.state, 'held', first.outcome?.reason);
    assert.equal(first.breaker?.step, 'canary');
    const canary = first.steps[0]?.targets[0] as string;
    assert.ok(first.timeline.some((e) => e.event === 'incident opened' && e.detail === 'inc-regate-1'));

    // Resumed with the fault still there: the canary is judged again and trips again; no wave target is touched.
    await h.rollouts.resume(handle.workflowId, { by: 'oncall', reason: 'looks like noise' });
    const second = await nextSettled('regate-1', first.timeline.length);
    assert.equal(second.state, 'held', second.outcome?.reason);
    assert.equal(second.breaker?.step, 'canary');
    const afterResume = second.timeline.slice(first.timeline.length).map((e) => e.event);
    assert.deepEqual(afterResume.slice(0, 4), ['resumed', 'step re-gating', 'step breached', 'breaker tripped'], JSON.stringify(afterResume));
    assert.ok(second.timeline.some((e) => e.event === 'incident updated' && e.detail === 'inc-regate-1: breaker tripped again'));
    assert.equal(second.timeline.filter((e) => e.event === 'incident opened').length, 1, 'no second incident while the first is open');
    const installs = await installsSince(journalBefore);
    for (const [id, records] of Object.entries(installs)) assert.deepEqual(records, id === canary ? [`install ${version}`] : [], id);
    const open = await incident('inc-regate-1', (s) => s.timeline.some((e) => e.event === 'breaker tripped again'));
    assert.equal(open.state, 'open');
    assert.match(open.timeline.find((e) => e.event === 'breaker tripped again')?.detail ?? '', /^canary \(tripped again after a resume\): error rate/);

    // On-call resolves the incident and fixes the canary by hand; the next resume re-gates it
    // healthy, wave-1 installs with the feature on and trips: a new incident, with its own id.
    await h.incidents.resolve('inc-regate-1', { by: 'olga', reason: 'canary fixed by hand' });
    assert.equal((await h.incidents.handle('inc-regate-1').result()).state, 'resolved');
    await writeFeature(targetDir(canary), FEATURE, false);
    await h.rollouts.resume(handle.workflowId, { by: 'oncall', reason: 'canary fixed' });
    const third = await nextSettled('regate-1', second.timeline.length);
    assert.equal(third.state, 'held', third.outcome?.reason);
    assert.equal(third.breaker?.step, 'wave-1');
    assert.equal(third.steps.find((s) => s.name === 'canary')?.state, 'passed', 'the re-gate passed the canary');
    assert.ok(third.timeline.some((e) => e.event === 'incident opened' && e.detail === 'inc-regate-1.2'), JSON.stringify(third.timeline.slice(-8)));
    const followUp = await h.incidents.status('inc-regate-1.2');
    assert.equal(followUp.state, 'open');
    assert.equal(followUp.source, 'breaker');
    assert.match(followUp.details.reason ?? '', /^wave-1: error rate/);

    await h.rollouts.rollback(handle.workflowId, { by: 'oncall', reason: 'give up' });
    const done = await h.waitFor('regate-1', (s) => s.state === 'rolled_back', 60_000);
    assert.equal(done.state, 'rolled_back');
    assert.deepEqual(Object.values(await h.versions()), Array(5).fill(FROM_VERSION));
    for (const [id, records] of Object.entries(await installsSince(journalBefore))) {
      assert.ok(records.filter((r) => r === `install ${version}`).length <= 1, `${id} installed once at most: ${records.join(', ')}`);
    }
    await h.incidents.resolve('inc-regate-1.2', { by: 'olga' });
    await replays('regate-1', 'rollout-breach-regate-second-trip');
  });

  test('degrade, hold and resume: every target installed later gets the feature off too, and the rollout completes', async () => {
    await featuresOn();
    const journalBefore = await h.journal();
    const version = '3.2.0-flag';
    const artifact = await h.artifact(version, { errorRate: 0.6, feature: FEATURE });
    const handle = await h.startRollout(h.input('degrade-resume', fastPlaybook({ degrade: { feature: FEATURE, then: 'hold' } }), artifact, version));
    const held = await nextSettled('degrade-resume', 0);
    assert.equal(held.state, 'held', held.outcome?.reason);
    assert.match(held.outcome?.reason ?? '', /degraded \(new-checkout off\) and healthy/);
    const canary = held.steps[0]?.targets[0] as string;

    await h.rollouts.resume(handle.workflowId, { by: 'oncall', reason: 'ship it dark' });
    const done = await h.waitFor('degrade-resume', (s) => s.timeline.length > held.timeline.length && settled(s), 120_000);
    assert.equal(done.state, 'completed', `${done.outcome?.reason} ${JSON.stringify(done.timeline.slice(-6))}`);
    assert.deepEqual(Object.values(await h.versions()), Array(5).fill(version));
    for (const t of h.fleet.fleet.targets) assert.equal((await features(t.id))[FEATURE], false, `${t.id} serves ${version} with ${FEATURE} off`);
    // The canary was switched off by the degrade; every later target before its install, once.
    for (const [id, records] of Object.entries(await installsSince(journalBefore))) {
      const expected = id === canary ? [`install ${version}`, `feature ${FEATURE}=false`] : [`feature ${FEATURE}=false`, `install ${version}`];
      assert.deepEqual(records, expected, id);
    }
    assert.ok(done.timeline.some((e) => e.event === 'step re-gating' && e.detail?.startsWith('canary:')));
    await replays('degrade-resume', 'rollout-degrade-hold-resume');
  });

  test('degrade.then rollback: the feature goes off first, and the rollout is rolled back anyway', async () => {
    await featuresOn();
    const journalBefore = await h.journal();
    const version = '3.3.0-flag';
    const artifact = await h.artifact(version, { errorRate: 0.6, feature: FEATURE });
    const before = await h.versions();
    await h.startRollout(h.input('degrade-rollback', fastPlaybook({ degrade: { feature: FEATURE, then: 'rollback' } }), artifact, version));
    const done = await h.waitFor('degrade-rollback', settled, 120_000);
    assert.equal(done.state, 'rolled_back', done.outcome?.reason);
    const events = done.timeline.map((e) => e.event);
    const order = ['breaker tripped', 'degrading', 'degraded', 'rolling back', 'rollback finished'].map((e) => events.indexOf(e));
    assert.ok(order.every((at, i) => at >= 0 && (i === 0 || at > (order[i - 1] as number))), JSON.stringify(events));
    assert.deepEqual(await h.versions(), before);
    const canary = done.steps[0]?.targets[0] as string;
    const installs = await installsSince(journalBefore);
    assert.deepEqual(installs[canary], [`install ${version}`, `feature ${FEATURE}=false`, `rollback ${before[canary]}`]);
  });

  test('a rollback that cannot be verified on a target ends rollback_incomplete, pages on-call and names the target; watch exits 6', async () => {
    const partner = await new ScriptedTarget('partner-1', { version: FROM_VERSION, windows: [BAD], refuseRollback: true }).start();
    try {
      const local = h.fleet.fleet.targets.slice(0, 2);
      const fleet = { name: 'mixed', version: FROM_VERSION, targets: [partner.target(SECRET_ENV), ...local] };
      const playbook = fastPlaybook({
        incidents,
        phases: { canary: { targets: ['partner-1'], bakeTime: '2s' }, waves: [{ size: '100%', bakeTime: '2s' }] },
        health: { errorRate: { max: 0.1 }, minSamples: 10, analysisInterval: '1s', consecutiveBreaches: 2 },
      });
      const artifact = await h.artifact('3.4.0');
      await h.startRollout({ ...h.input('incomplete-1', playbook, artifact, '3.4.0', fleet), escalation });
      const done = await h.waitFor('incomplete-1', settled, 60_000);
      assert.equal(done.state, 'rollback_incomplete', done.outcome?.reason);
      assert.equal(done.outcome?.result, 'rollback_incomplete');
      assert.match(done.outcome?.reason ?? '', /rollback not verified on partner-1$/);
      assert.equal(done.targets.find((t) => t.id === 'partner-1')?.state, 'rollback_unverified');
      assert.match(done.timeline.find((e) => e.event === 'rollback finished')?.detail ?? '', /1 target\(s\) not verified: partner-1 \(.*HTTP 409.*one way/);
      assert.equal(partner.version, '3.4.0', 'the partner system still runs the new version');
      assert.equal(toPublicRelease(done).state, 'stopped', 'the status portal does not tell customers every system is back');

      // The breaker opened the incident; the incomplete rollback is reported into it, and on-call is paged on it.
      const paged = await incident('inc-incomplete-1', (s) => s.timeline.some((e) => e.event === 'rollback incomplete'));
      assert.equal(paged.state, 'open');
      assert.equal(paged.tier?.name, 'on-call');
      assert.match(paged.timeline.find((e) => e.event === 'rollback incomplete')?.detail ?? '', /partner-1/);

      const watch = await rampart(['rollout', 'watch', 'incomplete-1'], { TEMPORAL_ADDRESS: devServerAddress(), RAMPART_TASK_QUEUE: h.taskQueue });
      assert.equal(watch.code, 6, watch.stderr);
      assert.match(watch.stdout, /rollback not verified on partner-1/);
      assert.match(watch.stdout, /rollback_incomplete/);
      await h.incidents.resolve('inc-incomplete-1', { by: 'olga' });
      await replays('incomplete-1', 'rollout-rollback-incomplete');
    } finally {
      await partner.close();
    }
  });

  test('a stop whose rollback cannot be verified opens an incident of its own (no breach opened one)', async () => {
    const partner = await new ScriptedTarget('partner-2', { version: FROM_VERSION, refuseRollback: true }).start();
    try {
      const fleet = { name: 'mixed', version: FROM_VERSION, targets: [partner.target(SECRET_ENV), h.fleet.fleet.targets[2]] };
      const playbook = fastPlaybook({
        incidents,
        phases: { canary: { targets: ['partner-2'], bakeTime: '30s' }, waves: [{ size: '100%', bakeTime: '2s' }] },
        health: { errorRate: { max: 0.1 }, minSamples: 10, analysisInterval: '1s', consecutiveBreaches: 2 },
      });
      const artifact = await h.artifact('3.5.0');
      const handle = await h.startRollout({ ...h.input('incomplete-2', playbook, artifact, '3.5.0', fleet), escalation });
      await h.waitFor('incomplete-2', (s) => s.targets.some((t) => t.id === 'partner-2' && t.state === 'installed') || partner.version === '3.5.0');
      await h.rollouts.stop(handle.workflowId, { by: 'oncall', then: 'rollback', reason: 'wrong release' });
      const done = (await handle.result()) as RolloutStatus;
      assert.equal(done.state, 'rollback_incomplete', done.outcome?.reason);
      assert.match(done.outcome?.reason ?? '', /^emergency stop; rollback not verified on partner-2$/);
      assert.ok(done.timeline.some((e) => e.event === 'incident opened' && e.detail === 'inc-incomplete-2'));
      const opened = await h.incidents.status('inc-incomplete-2');
      assert.equal(opened.summary, 'Rollback incomplete in rollout incomplete-2');
      assert.match(opened.details.reason ?? '', /^rollback incomplete: 1 target\(s\) not verified: partner-2/);
      await h.incidents.resolve('inc-incomplete-2', { by: 'olga' });
    } finally {
      await partner.close();
    }
  });
});
