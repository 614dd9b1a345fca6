import { buildSync } from 'esbuild';
import { join } from 'node:path';
import { nodeArgsForTs } from '../process/tsxCommand';

const TARGET_SERVER = join(__dirname, './targetServer.ts');

/**
 * How the supervisor starts a target: from the target server bundled once into one plain
 * JavaScript file in the fleet's state folder. A restart then costs node's start (about 0.1 s)
 * instead of tsx compiling the server again (about 0.4 s of CPU), which on a small machine is the
 * difference when ten targets restart at once in a rollback. Falls back to tsx if bundling fails.
 */
export function targetServerCommand(stateDir: string, log: (message: string) => void): (args: string[]) => string[] {
  const bundle = join(stateDir, 'target-server.cjs');
  try {
    buildSync({ entryPoints: [TARGET_SERVER], bundle: true, platform: 'node', format: 'cjs', target: 'node20', outfile: bundle, logLevel: 'silent' });
    return (args) => [bundle, ...args];
  } catch (err) {
    log(`target server not bundled (${(err as Error).message.split('\n')[0]}); targets start through tsx`);
    return (args) => nodeArgsForTs(TARGET_SERVER, args);
  }
}
