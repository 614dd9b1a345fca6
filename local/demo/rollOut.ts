import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { RolloutStatus } from '../../domain/rolloutStatus';
import type { BuiltArtifact } from '../fleet/artifactBuild';
import { fleetStatus } from '../fleet/localFleet';
import { REPO_ROOT } from '../temporal/temporalBinaries';
import { CLI_PREFIX, elapsed, say, show } from './demoOutput';
import { CUSTOMERS, DemoFailure, FLEET_SIZE, PLAYBOOK, TASK_QUEUE } from './demoSettings';
import type { Stack } from './demoStack';
import { runRampart, type RampartRun } from './runRampart';

/** A rollout as a user runs it, with the CLI, and what the fleet's targets say afterwards. */

/** Every rollout the demo started, for the --keep hints. */
export const rolloutIdsStarted: string[] = [];

export interface RolloutRun {
  id: string;
  run: RampartRun;
  status?: RolloutStatus;
  logFile: string;
}

/** `rampart rollout start ... --wait` as a user types it, then `rampart rollout status`. */
export async function rollOut(stack: Stack, env: NodeJS.ProcessEnv, artifact: BuiltArtifact, version: string, reason: string, timeoutMs: number): Promise<RolloutRun> {
  const id = `demo-${version}-${randomBytes(3).toString('hex')}`;
  const logFile = join(stack.dir, `rollout-${version}.log`);
  const args = [
    'rollout', 'start',
    '--playbook', show(PLAYBOOK),
    '--fleet', show(stack.fleet!.fleetFile),
    '--artifact', show(artifact.path),
    '--customers', show(CUSTOMERS),
    '--id', id,
    '--reason', reason,
    '--wait',
  ];
  say(`  $ TEMPORAL_ADDRESS=${env.TEMPORAL_ADDRESS} RAMPART_TASK_QUEUE=${TASK_QUEUE} bin/rampart ${args.map((a) => (/\s/.test(a) ? `"${a}"` : a)).join(' ')}`);
  rolloutIdsStarted.push(id);
  const run = await runRampart(args, { env, cwd: REPO_ROOT, prefix: CLI_PREFIX, logFile, timeoutMs });
  say(`  (rampart exited with ${run.timedOut ? `a timeout after ${timeoutMs / 1000} s` : run.signal ?? `code ${run.code}`})`);
  if (run.timedOut || run.code === null) return { id, run, logFile };

  say(`\n  $ bin/rampart rollout status ${id}`);
  await runRampart(['rollout', 'status', id], { env, cwd: REPO_ROOT, prefix: CLI_PREFIX, logFile, timeoutMs: 60_000 });
  const json = await runRampart(['rollout', 'status', id, '--json'], { env, cwd: REPO_ROOT, timeoutMs: 60_000 });
  let status: RolloutStatus | undefined;
  try {
    status = JSON.parse(json.stdout) as RolloutStatus;
  } catch {
    status = undefined;
  }
  return { id, run, status, logFile };
}

/**
 * The rollout's final status; throws unless the CLI exited with `exitCode` and the status is as
 * `ended` wants it. `expected` says what should have happened, for the message.
 */
export function expectRolloutEnded(rollout: RolloutRun, version: string, expected: string, exitCode: number, ended: (s: RolloutStatus) => boolean): RolloutStatus {
  const { run, status } = rollout;
  if (run.timedOut || run.code !== exitCode || !status || !ended(status)) {
    throw new DemoFailure(
      `the rollout of ${version} should have ${expected} (exit ${exitCode}), but rampart ${run.timedOut ? 'timed out' : `exited with ${run.signal ?? run.code}`}` +
        `${status ? ` and the rollout is ${status.state}${status.outcome ? ` (${status.outcome.reason})` : ''}` : ''}; its output is in ${show(rollout.logFile)}`,
    );
  }
  return status;
}

export function rolloutTook(status: RolloutStatus): string {
  return status.endedAt ? elapsed(Date.parse(status.endedAt) - Date.parse(status.startedAt)) : '?';
}

interface TargetVersion {
  id: string;
  version: string | null;
  up: boolean;
}

/** Every target's own answer on /health. */
export async function readFleetVersions(fleetDir: string): Promise<TargetVersion[]> {
  const status = await fleetStatus({ stateDir: fleetDir });
  return status.targets.map((t) => ({ id: t.id, version: t.version, up: t.up }));
}

export function expectFleetOn(versions: TargetVersion[], version: string, when: string): void {
  const off = versions.filter((t) => !t.up || t.version !== version);
  if (versions.length !== FLEET_SIZE || off.length > 0) {
    throw new DemoFailure(
      `${when}, expected all ${FLEET_SIZE} targets on ${version}, but ${off.map((t) => `${t.id} ${t.up ? `reports ${t.version}` : 'does not answer'}`).join(', ') || `only ${versions.length} answered`}`,
    );
  }
}
