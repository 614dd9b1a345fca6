import type { Command } from 'commander';
import { z } from 'zod';
import { quarantineArgsSchema, type Quarantine } from '../../contract/changeControl';
import { WorkflowType } from '../../contract/workflowTypes';
import { terminalJson, tty } from '../../domain/escape/terminal';
import type { RolloutClient } from '../rolloutClient';
import { ChangeControlClient } from '../changeControlClient';
import { defaultUser } from '../defaultUser';
import { parseFlags } from '../parseFlags';
import { withRollouts } from '../temporalSession';

/** A quarantine's stop of a running rollout of that version: what happened to each. */
interface HeldRollout {
  rolloutId: string;
  held: boolean;
  message: string;
}

/**
 * Every running rollout of `version` on this task queue is stopped and held (targets stay as
 * they are until someone resumes or rolls back). Read through visibility and each rollout's
 * status, so it needs no search attribute.
 */
async function holdRunning(rollouts: RolloutClient, version: string, args: { by: string; reason: string }): Promise<HeldRollout[]> {
  const query = `WorkflowType = '${WorkflowType.rollout}' AND ExecutionStatus = 'Running' AND TaskQueue = '${rollouts.taskQueue}'`;
  const ids: string[] = [];
  for await (const wf of rollouts.client.workflow.list({ query })) ids.push(wf.workflowId);
  const results = await Promise.all(ids.map(async (rolloutId): Promise<HeldRollout | null> => {
    const status = await rollouts.status(rolloutId).catch(() => null);
    if (status?.version !== version) return null;
    try {
      const message = await rollouts.stop(rolloutId, { by: args.by, reason: `version ${version} quarantined: ${args.reason}`, then: 'hold' });
      return { rolloutId, held: true, message };
    } catch (err) {
      return { rolloutId, held: false, message: (err as Error).message };
    }
  }));
  return results.filter((r): r is HeldRollout => r !== null);
}

async function quarantine(version: string, raw: Record<string, unknown>): Promise<void> {
  const args = parseFlags(quarantineArgsSchema, { version, by: raw.by, reason: raw.reason });
  await withRollouts(async (rollouts) => {
    const control = new ChangeControlClient(rollouts.client, rollouts.taskQueue);
    const answer = await control.quarantine(args);
    const held = await holdRunning(rollouts, args.version, { by: args.by, reason: args.reason ?? '' });
    if (raw.json) {
      console.log(terminalJson({ ...answer, held }));
      return;
    }
    const q = answer.quarantine;
    console.log(answer.already ? tty`version ${q.version} was already quarantined by ${q.by} at ${q.at}: ${q.reason}` : tty`quarantined version ${q.version}: no rollout may start it until someone other than ${q.by} lifts it`);
    for (const h of held) console.log(h.held ? tty`  held rollout ${h.rolloutId}` : tty`  could not hold rollout ${h.rolloutId}: ${h.message}`);
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
