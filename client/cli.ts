#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { DocumentError } from './loadDocument';
import { AlreadyExistsError, NotFoundError, RejectedError, UnreachableError } from './errors';
import { EXIT, UserError } from './exitCodes';
import { NotSetUpError } from './notSetUp';
import { terminalText } from '../domain/escape/terminal';
import { registerPlaybookCommands } from './commands/playbook';
import { registerRolloutCommands } from './commands/rollout';
import { registerFleetCommands } from './commands/fleet';
import { registerArtifactCommands } from './commands/artifact';
import { registerServerCommands } from './commands/server';
import { registerIncidentCommands } from './commands/incident';
import { registerNearMissCommands } from './commands/nearMisses';
import { registerHookCommands } from './commands/hooks';
import { registerCustomerCommands } from './commands/customers';
import { registerPortalCommands } from './commands/portal';
import { registerReviewCommands } from './commands/review';
import { registerReleaseCommands } from './commands/release';
import { registerFreezeCommands } from './commands/freeze';
import { registerScheduleCommands } from './commands/schedule';
import { registerDrillCommands } from './commands/drill';

function buildProgram(): Command {
  const program = new Command('rampart')
    .description('Safe software rollouts as durable Temporal workflows')
    .version('0.1.0', '-V, --cli-version', 'print the rampart version')
    .showHelpAfterError('(run with --help for usage)')
    // Options belong to the command they follow: `portal --customers F` and `portal token --customers F` differ.
    .enablePositionalOptions()
    .exitOverride();
  registerPlaybookCommands(program);
  registerRolloutCommands(program);
  registerFleetCommands(program);
  registerArtifactCommands(program);
  registerServerCommands(program);
  registerIncidentCommands(program);
  registerNearMissCommands(program);
  registerHookCommands(program);
  registerCustomerCommands(program);
  registerPortalCommands(program);
  registerReviewCommands(program);
  registerReleaseCommands(program);
  registerFreezeCommands(program);
  registerScheduleCommands(program);
  registerDrillCommands(program);
  for (const cmd of program.commands) {
    cmd.exitOverride();
    for (const sub of cmd.commands) sub.exitOverride();
  }
  return program;
}

/** The one place the typed clients' errors become exit codes. */
function exitCodeOf(err: unknown): number | undefined {
  if (err instanceof NotFoundError) return EXIT.notFound;
  if (err instanceof RejectedError) return EXIT.rejected;
  if (err instanceof AlreadyExistsError) return EXIT.badInput;
  if (err instanceof UnreachableError) return EXIT.unreachable;
  if (err instanceof NotSetUpError) return EXIT.notReady;
  return undefined;
}

async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version are not errors; everything else commander rejects is a bad flag.
      return err.exitCode === 0 ? EXIT.ok : EXIT.badInput;
    }
    if (err instanceof DocumentError || err instanceof UserError) {
      console.error(`rampart: ${terminalText(err.message)}`);
      return err.exitCode;
    }
    const code = exitCodeOf(err);
    if (code !== undefined) {
      console.error(`rampart: ${terminalText((err as Error).message)}`);
      return code;
    }
    console.error(`rampart: unexpected failure: ${(err as Error).stack ?? String(err)}`);
    return EXIT.failure;
  }
}

void main(process.argv).then((code) => {
  process.exitCode = code;
});
