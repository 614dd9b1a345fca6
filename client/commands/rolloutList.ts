import type { Command } from 'commander';
import { z } from 'zod';
import { versionSchema } from '../../domain/release';
import { playbookSchema } from '../../domain/playbook';
import { terminalJson, terminalLine } from '../../domain/escape/terminal';
import { parseFlags } from '../parseFlags';
import { withTemporal } from '../temporalSession';
import { LISTED_ROLLOUT_STATES, listRollouts, type RolloutRow } from '../rolloutList';
import { limitSchema, renderTable, shortTime, stateListSchema } from '../visibilityList';

/** A train's name: the same rule as a playbook's (it names the train file's schedule). */
export const trainNameSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, 'expected letters, digits, ".", "_" or "-", at most 100 characters');

const listFlags = z.strictObject({
  state: stateListSchema(LISTED_ROLLOUT_STATES).optional(),
  playbook: playbookSchema.shape.name.optional(),
  version: versionSchema.optional(),
  train: trainNameSchema.optional(),
  limit: limitSchema,
  json: z.boolean().optional(),
});

const cell = (text: string | null) => (text === null || text === '' ? '-' : terminalLine(text));

function renderRows(rows: RolloutRow[]): string {
  return renderTable(
    ['ROLLOUT', 'STATE', 'PLAYBOOK', 'VERSION', 'STEP', 'STARTED', 'WHY'],
    rows.map((r) => [cell(r.rolloutId), r.state.toUpperCase(), cell(r.playbook), cell(r.version), cell(r.step), shortTime(new Date(r.startedAt)), cell(r.why)]),
  );
}

/** `rampart rollout list`: what runs, waits, is held or has ended, from Temporal visibility (no worker needed). */
async function list(raw: unknown): Promise<void> {
  const flags = parseFlags(listFlags, raw);
  const filter = {
    ...(flags.state ? { states: flags.state } : {}),
    ...(flags.playbook ? { playbook: flags.playbook } : {}),
    ...(flags.version ? { version: flags.version } : {}),
    ...(flags.train ? { train: flags.train } : {}),
  };
  await withTemporal(async (client, config) => {
    const { rollouts, more } = await listRollouts(client, config.taskQueue, filter, flags.limit);
    if (flags.json) {
      console.log(terminalJson({ rollouts, more }, 2));
      return;
    }
    if (rollouts.length === 0) {
      console.log(`no rollouts on task queue ${terminalLine(config.taskQueue)} match`);
      return;
    }
    console.log(renderRows(rollouts));
    if (more) console.log(`(more match: showing the first ${flags.limit}; narrow with --state, --playbook, --version, or raise --limit)`);
  });
}

export function registerRolloutListCommand(rollout: Command): void {
  rollout
    .command('list')
    .description('rollouts on the task queue, running first: state, playbook, version, step, and why held, paused or ended')
    .option('--state <states>', `only these states, separated by "," (${LISTED_ROLLOUT_STATES.join(', ')})`)
    .option('--playbook <name>', 'only rollouts of this playbook')
    .option('--version <version>', 'only rollouts of this version')
    .option('--train <name>', 'only rollouts started by this release train')
    .option('--limit <n>', 'at most this many rows', '50')
    .option('--json', 'print JSON: { rollouts: [...], more }')
    .action(list);
}
