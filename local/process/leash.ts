/**
 * Ties a child that knows nothing of its owner to the owner's life:
 *
 *   node --import tsx local/process/leash.ts COMMAND [ARGS...]
 *
 * run with an IPC channel by the process helper (processes.ts, `tie: 'leash'`). It starts
 * COMMAND in its own process group (stdio inherited), passes on SIGTERM/SIGINT/SIGHUP, exits
 * with COMMAND's status, and when its owner goes away however it went (even SIGKILL: the IPC
 * channel closes), stops COMMAND: SIGTERM, then SIGKILL to the group after LEASH_GRACE_MS.
 */
import { spawn } from 'node:child_process';
import { exitWithParent } from './exitWithParent';

const GRACE_MS = Number(process.env.RAMPART_LEASH_GRACE_MS ?? 10_000);

function main(): void {
  const [command, ...args] = process.argv.slice(2);
  if (!command) {
    console.error('usage: leash.ts COMMAND [ARGS...]');
    process.exit(2);
  }
  const env = { ...process.env };
  delete env.RAMPART_LEASH_GRACE_MS;
  const child = spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit'], env });
  const kill = (signal: NodeJS.Signals) => {
    try {
      if (child.pid !== undefined) process.kill(child.pid, signal);
    } catch {
      // gone
    }
  };
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, () => kill(signal));
  exitWithParent(() => {
    kill('SIGTERM');
    setTimeout(() => {
      try {
        process.kill(-process.pid, 'SIGKILL'); // the leash leads the group: everything in it
      } catch {
        kill('SIGKILL');
      }
    }, GRACE_MS).unref();
  });
  child.once('error', (err) => {
    console.error(`leash: cannot start ${command}: ${err.message}`);
    process.exit(127);
  });
  child.once('exit', (code, signal) => {
    process.exitCode = code ?? (signal ? 128 + signalNumber(signal) : 1);
    process.disconnect?.();
    process.exit();
  });
}

function signalNumber(signal: NodeJS.Signals): number {
  return ({ SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 } as Record<string, number>)[signal] ?? 1;
}

main();
