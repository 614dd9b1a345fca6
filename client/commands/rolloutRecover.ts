import type { Command } from 'commander';
import { z } from 'zod';
import { recoverArgsSchema, type RecoveryResult } from '../../contract/recovery';
import { defaultUser } from '../defaultUser';
import { EXIT } from '../exitCodes';
import { parseFlags } from '../parseFlags';
import { AlreadyRecoveredError, recoverRollout } from '../rolloutRecovery';
import { withRollouts } from '../temporalSession';

const recoverFlags = recoverArgsSchema.extend({ id: z.string().min(1, 'give a rollout id'), json: z.boolean().optional() });

/** One line per step of the recovery, who asked and why first. */
function renderRecovery(result: RecoveryResult): string[] {
  const lines = result.timeline.map((e) => `${e.at}  ${e.event}${e.by ? ` by ${e.by}` : ''}${e.reason ? ` (${e.reason})` : ''}${e.detail ? `: ${e.detail}` : ''}`);
  for (const o of result.outcomes) lines.push(`  ${o.targetId.padEnd(12)} ${o.version.padEnd(12)} ${o.verified ? 'verified' : 'NOT VERIFIED'}  ${o.detail}`);
  lines.push(`recovery ${result.state}`);
  return lines;
}

/**
 * `rampart rollout recover ID --reason ...`: exit 0 when every changed target is verified back,
 * 6 when some is not, 3 when refused (still running, ended by itself, recovered before), 4 when
 * there is no such rollout, 2 without a reason.
 */
async function recover(id: string, raw: Record<string, unknown>): Promise<void> {
  const flags = parseFlags(recoverFlags, { id, by: raw.by, reason: raw.reason, json: raw.json });
  await withRollouts(async (rollouts) => {
    let result: RecoveryResult;
    try {
      result = await recoverRollout(rollouts, flags.id, { by: flags.by, reason: flags.reason });
    } catch (err) {
      // The first recovery's result is what a second one reports, then it is refused (exit 3).
      if (err instanceof AlreadyRecoveredError && err.result) {
        console.log(flags.json ? JSON.stringify({ alreadyRecovered: true, ...err.result }) : renderRecovery(err.result).join('\n'));
      }
      throw err;
    }
    console.log(flags.json ? JSON.stringify(result) : renderRecovery(result).join('\n'));
    process.exitCode = result.state === 'rolled_back' ? EXIT.ok : EXIT.notCompleted;
  });
}

export function registerRecoverCommand(rollout: Command): void {
  rollout
    .command('recover <id>')
    .description('roll back what a rollout ended outside Rampart (terminated, cancelled, timed out) changed, verified, once')
    .option('--by <user>', 'who recovers it', defaultUser())
    .option('--reason <text>', 'why (required: it is recorded with the recovery)')
    .option('--json', 'print JSON')
    .action((id: string, opts: Record<string, unknown>) => recover(id, opts));
}
