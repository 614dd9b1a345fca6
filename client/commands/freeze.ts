import type { Command } from 'commander';
import { z } from 'zod';
import { liftLineArgsSchema, stopTheLineArgsSchema } from '../../contract/changeControl';
import { terminalJson, tty } from '../../domain/escape/terminal';
import { ChangeControlClient } from '../changeControlClient';
import { defaultUser } from '../defaultUser';
import { EXIT } from '../exitCodes';
import { parseFlags } from '../parseFlags';
import { stopTheLine } from '../stopRollouts';
import { withRollouts } from '../temporalSession';
import { freezesInForce } from '../../calendars/freezeCalendar';
import { describeFreeze } from '../../contract/freeze';
import { registerFreezeCalendarCommands } from './freezeCalendar';

/** `freeze now`: stopTheLine (stopRollouts.ts), then what happened to each running rollout. */
async function freezeNow(raw: Record<string, unknown>): Promise<void> {
  const args = parseFlags(stopTheLineArgsSchema, { by: raw.by, reason: raw.reason, then: raw.then });
  await withRollouts(async (rollouts) => {
    const started = Date.now();
    const { answer, stopped } = await stopTheLine(rollouts, args);
    const tookMs = Date.now() - started;
    if (raw.json) {
      console.log(terminalJson({ line: answer.line, already: answer.already, stopped, tookMs }));
      return;
    }
    console.log(answer.already
      ? tty`the line was already stopped by ${answer.line.by} at ${answer.line.at}: ${answer.line.reason}`
      : tty`line stopped: no rollout starts until "rampart freeze lift"; running ones are stopped (then ${answer.line.then})`);
    for (const s of stopped) console.log(s.stopped ? tty`  stopped ${s.rolloutId}${s.alreadyHeld ? ' (held already)' : ''}` : s.ended ? tty`  ${s.rolloutId} had ended already` : tty`  ${s.rolloutId}: ${s.message}`);
    const live = stopped.filter((s) => !s.ended);
    console.log(`${live.filter((s) => s.stopped).length} of ${live.length} running rollout(s) stopped in ${tookMs} ms`);
    if (live.some((s) => !s.stopped)) process.exitCode = EXIT.failure;
  });
}

async function freezeLift(raw: Record<string, unknown>): Promise<void> {
  const args = parseFlags(liftLineArgsSchema, { by: raw.by, reason: raw.reason });
  await withRollouts(async (rollouts) => {
    const lifted = await new ChangeControlClient(rollouts.client, rollouts.taskQueue).liftLine(args);
    if (raw.json) console.log(terminalJson(lifted));
    else console.log(tty`line open again (stopped by ${lifted.by} at ${lifted.at}): new rollouts may start; held rollouts stay held until resumed`);
  });
}

async function freezeStatus(raw: Record<string, unknown>): Promise<void> {
  const flags = parseFlags(z.strictObject({ json: z.boolean().optional() }), raw);
  await withRollouts(async (rollouts) => {
    const state = await new ChangeControlClient(rollouts.client, rollouts.taskQueue).state();
    const line = state.line ?? null;
    const inForce = freezesInForce(state.freezes ?? [], null, new Date());
    if (flags.json) console.log(terminalJson({ line, inForce, running: state.running ?? [], quarantined: state.quarantined }));
    else {
      console.log(line ? tty`line stopped by ${line.by} at ${line.at} (then ${line.then}): ${line.reason}` : 'line open: rollouts may start');
      for (const f of inForce) console.log(tty`in force: ${describeFreeze(f)}`);
      console.log(`${(state.running ?? []).length} rollout(s) running; ${state.quarantined.length} version(s) quarantined`);
    }
  });
}

export function registerFreezeCommands(program: Command): void {
  const freeze = program.command('freeze').description('freeze calendar (blackout windows) and stop the line');
  freeze
    .command('now')
    .description('stop every running rollout on the task queue at once (held, or rolled back) and refuse new starts until lifted')
    .requiredOption('--reason <text>', 'why')
    .option('--then <action>', 'hold or rollback', 'hold')
    .option('--by <user>', 'who stops the line', defaultUser())
    .option('--json', 'print JSON')
    .action(freezeNow);
  freeze
    .command('lift')
    .description('let rollouts start again (resumes nothing)')
    .requiredOption('--reason <text>', 'why it is safe again')
    .option('--by <user>', 'who lifts it', defaultUser())
    .option('--json', 'print JSON')
    .action(freezeLift);
  freeze.command('status').description('whether the line is stopped, which freezes are in force, and what runs').option('--json', 'print JSON').action(freezeStatus);
  registerFreezeCalendarCommands(freeze);
}
