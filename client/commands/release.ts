import type { Command } from 'commander';
import { z } from 'zod';
import { quarantineArgsSchema, type Quarantine } from '../../contract/changeControl';
import { terminalJson, terminalText, tty } from '../../domain/escape/terminal';
import { renderReleaseReport } from '../../domain/releaseReportMarkdown';
import { FINAL_STATES } from '../../domain/rolloutStatus';
import { NotFoundError } from '../errors';
import { EXIT, UserError } from '../exitCodes';
import { findReleaseReport, stateDirFrom } from '../releaseReportFile';
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

const reportFlags = z.strictObject({
  json: z.boolean().optional(),
  stateDir: z.string().min(1, 'expected the worker\'s state folder').optional(),
});

/** Why there is no report: the rollout is unknown, or has not ended (nor been held) yet. Exit 4 either way. */
async function noReport(rolloutId: string, dir: string): Promise<never> {
  const where = `in ${dir}/releases (the worker's RAMPART_STATE_DIR; --state-dir to read another)`;
  const state = await withRollouts((rollouts) => rollouts.status(rolloutId).then((s) => s.state)).catch((err: unknown) => (err instanceof NotFoundError ? 'unknown' : null));
  if (state === 'unknown') throw new UserError(tty`no rollout ${rolloutId}, and no release report for it ${where}`, EXIT.notFound);
  if (state && FINAL_STATES.includes(state)) {
    throw new UserError(tty`rollout ${rolloutId} is ${state} and has no release report ${where}: it ended before its playbook parsed, outside Rampart, or before Rampart wrote reports (its timeline says which)`, EXIT.notFound);
  }
  if (state) throw new UserError(tty`rollout ${rolloutId} has no release report yet: it is ${state}; the report is written when it ends or is held (looked ${where})`, EXIT.notFound);
  throw new UserError(tty`no release report for rollout ${rolloutId} ${where}`, EXIT.notFound);
}

async function showReport(rolloutId: string, raw: Record<string, unknown>): Promise<void> {
  const flags = parseFlags(reportFlags, raw);
  const dir = stateDirFrom(flags.stateDir);
  const found = await findReleaseReport(dir, rolloutId);
  if (!found) return noReport(rolloutId, dir);
  if (flags.json) console.log(terminalJson(found.report));
  else console.log(terminalText(found.markdown ?? renderReleaseReport(found.report)));
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
  release
    .command('report <rolloutId>')
    .description('the release report of a rollout that ended (or is held): changes, steps, gates, near misses, incidents, success criteria')
    .option('--json', 'print the report as JSON')
    .option('--state-dir <dir>', 'the worker\'s state folder (default RAMPART_STATE_DIR or .rampart)')
    .action(showReport);
  release.command('quarantined').description('the versions quarantined now').option('--json', 'print JSON').action(listQuarantined);
}
