import type { Command } from 'commander';
import { z } from 'zod';
import { quarantineArgsSchema, type Quarantine } from '../../contract/changeControl';
import { terminalJson, tty } from '../../domain/escape/terminal';
import type { RolloutClient } from '../rolloutClient';
import { ChangeControlClient } from '../changeControlClient';
import { defaultUser } from '../defaultUser';
import { parseFlags } from '../parseFlags';
import { runningRollouts, stopEach, type StoppedRollout } from '../stopRollouts';
import { withRollouts } from '../temporalSession';

/**
 * Every running rollout of `version` on this task queue is stopped and held (targets stay as
 * they are until someone resumes or rolls back).
 */
async function holdRunning(rollouts: RolloutClient, admitted: string[], version: string, args: { by: string; reason: string }): Promise<StoppedRollout[]> {
  const ids = await runningRollouts(rollouts, admitted);
  const versions = await Promise.all(ids.map((id) => rollouts.status(id).then((s) => s.version, () => null)));
  return stopEach(rollouts, ids.filter((_, i) => versions[i] === version), { by: args.by, reason: `version ${version} quarantined: ${args.reason}`, then: 'hold' });
}

async function quarantine(version: string, raw: Record<string, unknown>): Promise<void> {
  const args = parseFlags(quarantineArgsSchema, { version, by: raw.by, reason: raw.reason });
  await withRollouts(async (rollouts) => {
    const control = new ChangeControlClient(rollouts.client, rollouts.taskQueue);
    const answer = await control.quarantine(args);
    const held = await holdRunning(rollouts, (await control.state()).running ?? [], args.version, { by: args.by, reason: args.reason ?? '' });
    if (raw.json) {
      console.log(terminalJson({ ...answer, held }));
      return;
    }
    const q = answer.quarantine;
    console.log(answer.already ? tty`version ${q.version} was already quarantined by ${q.by} at ${q.at}: ${q.reason}` : tty`quarantined version ${q.version}: no rollout may start it until someone other than ${q.by} lifts it`);
    for (const h of held) console.log(h.stopped ? tty`  held rollout ${h.rolloutId}` : tty`  could not hold rollout ${h.rolloutId}: ${h.message}`);
  });
}

async function unquarantine(version: string, raw: Record<string, unknown>): Promise<void> {
  const args = parseFlags(quarantineArgsSchema, { version, by: raw.by, reason: raw.reason });
  await withRollouts(async (rollouts) => {
    const lifted = await new ChangeControlClient(rollouts.client, rollouts.taskQueue).unquarantine(args);
    if (raw.json) console.log(terminalJson(lifted));
    else console.log(tty`lifted the quarantine of ${lifted.version} (quarantined by ${lifted.by}); held rollouts stay held until resumed`);
  });
}

function renderQuarantine(q: Quarantine): string {
  return tty`${q.version}  since ${q.at}  by ${q.by}  ${q.reason}`;
}

async function listQuarantined(raw: Record<string, unknown>): Promise<void> {
  const flags = parseFlags(z.strictObject({ json: z.boolean().optional() }), raw);
  await withRollouts(async (rollouts) => {
    const state = await new ChangeControlClient(rollouts.client, rollouts.taskQueue).state();
    if (flags.json) console.log(terminalJson(state));
    else if (state.quarantined.length === 0) console.log('no version is quarantined');
    else for (const q of state.quarantined) console.log(renderQuarantine(q));
  });
}

export function registerReleaseCommands(program: Command): void {
  const release = program.command('release').description('change control of versions: quarantine a bad build');
  release
    .command('quarantine <version>')
    .description('no rollout, manual or scheduled, may start this version; running ones are stopped and held')
    .requiredOption('--reason <text>', 'why')
    .option('--by <user>', 'who quarantines it', defaultUser())
    .option('--json', 'print JSON')
    .action(quarantine);
  release
    .command('unquarantine <version>')
    .description('lift a quarantine (someone other than whoever quarantined it)')
    .requiredOption('--reason <text>', 'why it is safe again')
    .option('--by <user>', 'who lifts it', defaultUser())
    .option('--json', 'print JSON')
    .action(unquarantine);
  release.command('quarantined').description('the versions quarantined now').option('--json', 'print JSON').action(listQuarantined);
}
