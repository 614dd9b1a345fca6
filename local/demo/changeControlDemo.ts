/**
 * The change-control demo, `npm run demo:change-control [-- --keep] [-- --dir <dir>]`: the release
 * calendar on the same local stack as `npm run demo` (dev server, stand-ins, worker, 10 targets).
 *
 *   1-4. the stack, as the quick-start demo starts it
 *   5. a release train on a Temporal Schedule: `rampart schedule validate|apply`, then its first
 *      run, fired by the schedule itself (every 30 s), ships 1.1.0 from the channel folder
 *   6. while wave-1 bakes, `rampart freeze add` freezes the fleet: the rollout waits at the
 *      boundary before wave-2 (state frozen, which freeze, until when); a break-glass approved by a
 *      second person (`rampart freeze override`) lets it finish, and its timeline says so
 *   7. stop the line: a rollout of 1.2.0 is baking its canary; `rampart freeze now` holds it where
 *      it stands and refuses a new start (exit 3) until `rampart freeze lift`; then it is rolled back
 *
 * Exit codes as the quick-start demo's: 0 as expected, 1 not, 2 bad flags, 130/143 interrupted.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { RolloutStatus } from '../../domain/rolloutStatus';
import { buildArtifact } from '../fleet/artifactBuild';
import { REPO_ROOT } from '../temporal/temporalBinaries';
import { watchInterrupts } from './demoInterrupts';
import { CLI_PREFIX, heading, quoted, say, setStepCount, show } from './demoOutput';
import { runDemoProcess, tellStory } from './demoReport';
import { DemoFailure, FIRST_VERSION, GOOD_VERSION, PLAYBOOK, demoTimeoutMs, readFlags } from './demoSettings';
import { newStack, removeEarlierRun, saveRecord, stopLeftovers } from './demoStack';
import { expectFleetOn, readFleetVersions, rolloutIdsStarted } from './rollOut';
import { runRampart, type RampartRun } from './runRampart';
import { startFleetStep, startStandinsStep, startTemporalStep, startWorkerStep } from './startStack';

const TRAIN = 'demo-train';
const LINE_VERSION = '1.2.0';

async function main(): Promise<number> {
  const flags = readFlags('demo:change-control');
  if (typeof flags === 'number') return flags;
  setStepCount(7);
  const stack = newStack(flags.dir, flags.keep);
  const interrupts = watchInterrupts(stack, demoTimeoutMs());
  const { step } = interrupts;
  say(`Rampart change-control demo: a scheduled release train, a freeze holding a wave at its boundary, and stop-the-line${flags.keep ? ' (--keep)' : ''}`);
  say(`state and logs in ${show(flags.dir)}/`);
  return tellStory(stack, interrupts, async () => {
    mkdirSync(flags.dir, { recursive: true });
    await step(stopLeftovers(flags.dir, stack.fleetDir));
    removeEarlierRun(flags.dir, stack.fleetDir);
    saveRecord(stack);
    process.env.RAMPART_TRAFFIC_RPS = '20';
    const { env } = await startTemporalStep(stack, interrupts);
    const workerEnv = await startStandinsStep(stack, env, interrupts);
    const workerReady = startWorkerStep(stack, workerEnv, interrupts);
    const fleet = await startFleetStep(stack, interrupts);
    await step(workerReady);

    /** `bin/rampart ARGS`, shown as typed and echoed; throws unless it exits with `expect`. */
    const rampart = async (args: string[], expect = 0, quiet = false): Promise<RampartRun> => {
      if (!quiet) say(`  $ bin/rampart ${quoted(args)}`);
      const run = await step(runRampart(args, { env, cwd: REPO_ROOT, ...(quiet ? {} : { prefix: CLI_PREFIX }), logFile: join(flags.dir, 'change-control.log'), timeoutMs: 90_000 }));
      if (run.code !== expect) throw new DemoFailure(`bin/rampart ${quoted(args)} exited ${run.signal ?? run.code}, expected ${expect}: ${run.stderr.trim() || run.stdout.trim()}`);
      return run;
    };
    const status = async (id: string): Promise<RolloutStatus | null> => {
      const run = await step(runRampart(['rollout', 'status', id, '--json'], { env, cwd: REPO_ROOT, timeoutMs: 60_000 }));
      try {
        return run.code === 0 ? (JSON.parse(run.stdout) as RolloutStatus) : null;
      } catch {
        return null;
      }
    };
    const waitFor = async (id: string, what: string, done: (s: RolloutStatus) => boolean, timeoutMs: number): Promise<RolloutStatus> => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const s = await status(id);
        if (s && done(s)) return s;
        if (Date.now() > deadline) throw new DemoFailure(`rollout ${id} was not ${what} within ${timeoutMs / 1000} s (last: ${s ? `${s.state} ${s.step ?? ''}` : 'not found'})`);
        await step(new Promise((r) => setTimeout(r, 500)));
      }
    };

    heading(`a release train on a Temporal Schedule: its first run ships ${GOOD_VERSION} from the channel`);
    const channel = join(flags.dir, 'channel');
    await step(buildArtifact({ version: GOOD_VERSION, outDir: channel, notes: 'The train\'s release: faster report page.' }));
    const trainFile = join(flags.dir, 'train.yaml');
    writeFileSync(trainFile, [
      `name: ${TRAIN}`,
      `playbook: ${relative(flags.dir, PLAYBOOK)}`,
      `fleet: ${relative(flags.dir, fleet.fleetFile)}`,
      'channel: channel',
      'timeZone: UTC',
      '# Every 30 seconds, for the demo; a real train runs on a calendar (playbooks/trains/patch-tuesday.yaml).',
      'intervals:',
      '  - { every: 30s }',
      '',
    ].join('\n'));
    await rampart(['schedule', 'validate', show(trainFile)]);
    await rampart(['schedule', 'apply', show(trainFile)]);
    const rolloutId = `train-${TRAIN}-${GOOD_VERSION}`;
    rolloutIdsStarted.push(rolloutId);
    say(`  waiting for the schedule's next time (at most 30 s): its run starts rollout ${rolloutId}, started by schedule:${TRAIN}`);
    const started = await waitFor(rolloutId, 'started by the schedule', () => true, 90_000);
    await rampart(['schedule', 'pause', TRAIN, '--reason', 'demo: one run is enough']);
    say(`  rollout ${rolloutId} started by ${started.startedBy}`);

    heading('a freeze holds the rollout at the boundary before wave-2; a break-glass lets it on');
    await waitFor(rolloutId, 'in wave-1', (s) => s.step === 'wave-1', 120_000);
    const until = new Date(Date.now() + 2 * 3600_000).toISOString().slice(0, 16);
    await rampart(['freeze', 'add', '--name', 'quarter-close', '--reason', 'finance closes the quarter', '--time-zone', 'UTC',
      '--from', new Date(Date.now() - 60_000).toISOString().slice(0, 16), '--until', until, '--fleet', fleet.fleet.name]);
    const frozen = await waitFor(rolloutId, 'frozen at a step boundary', (s) => s.state === 'frozen' || ['completed', 'rolled_back', 'failed'].includes(s.state), 60_000);
    if (frozen.state !== 'frozen') throw new DemoFailure(`the rollout ended ${frozen.state} before the freeze could hold it`);
    await rampart(['rollout', 'status', rolloutId]);
    const held = (await step(readFleetVersions(stack.fleetDir))).filter((t) => t.version !== GOOD_VERSION).length;
    say(`  ${held} target(s) still on ${FIRST_VERSION}: nothing goes past the boundary while the freeze holds`);
    await rampart(['freeze', 'override', rolloutId, '--reason', 'the demo must go on', '--approver', 'dana', '--by', 'sam', '--for', '15m']);
    const done = await waitFor(rolloutId, 'completed', (s) => ['completed', 'rolled_back', 'failed'].includes(s.state), 150_000);
    if (done.state !== 'completed') throw new DemoFailure(`the train's rollout ended ${done.state}: ${done.outcome?.reason ?? ''}`);
    const glass = done.timeline.find((e) => e.event === 'freeze overridden');
    say(`  timeline: ${glass?.event}: ${glass?.detail ?? '(missing)'}`);
    expectFleetOn(await step(readFleetVersions(stack.fleetDir)), GOOD_VERSION, 'after the train\'s rollout');
    await rampart(['freeze', 'remove', 'quarter-close', '--reason', 'quarter closed']);

    heading(`stop the line: a rollout of ${LINE_VERSION} is held where it stands; nothing starts until the line is lifted`);
    const next = await step(buildArtifact({ version: LINE_VERSION, outDir: join(flags.dir, 'artifacts'), notes: 'The next release.' }));
    const lineId = `demo-line-${LINE_VERSION}`;
    rolloutIdsStarted.push(lineId);
    const start = (id: string, expect: number) => rampart(['rollout', 'start', '--playbook', show(PLAYBOOK), '--fleet', show(fleet.fleetFile), '--artifact', show(next.path), '--id', id], expect);
    await start(lineId, 0);
    await waitFor(lineId, 'baking its canary', (s) => s.step === 'canary', 90_000);
    await rampart(['freeze', 'now', '--reason', 'payments outage: all hands', '--by', 'sam']);
    await waitFor(lineId, 'held', (s) => s.state === 'held', 30_000);
    await rampart(['freeze', 'status']);
    await start(`${lineId}-second`, 3);
    await rampart(['freeze', 'lift', '--reason', 'payments are back', '--by', 'dana']);
    await rampart(['rollout', 'rollback', lineId, '--reason', 'start again after the outage review', '--by', 'dana']);
    const rolled = await waitFor(lineId, 'rolled back', (s) => ['rolled_back', 'rollback_incomplete'].includes(s.state), 90_000);
    expectFleetOn(await step(readFleetVersions(stack.fleetDir)), GOOD_VERSION, 'after the held rollout was rolled back');

    return [
      `  train   ${TRAIN}'s scheduled run (started by ${started.startedBy}) shipped ${GOOD_VERSION} to all 10 targets;`,
      `          it waited at the boundary before ${frozen.frozen?.step ?? 'wave-2'} for freeze quarter-close (until ${frozen.frozen?.until ?? until}),`,
      `          and went on by break-glass: ${glass?.detail ?? '(not recorded)'}`,
      `  line    freeze now held ${lineId} in its canary; a second start was refused (exit 3) until freeze lift;`,
      `          rolled back (${rolled.state}): all 10 targets on ${GOOD_VERSION}`,
    ];
  });
}

runDemoProcess(main);
