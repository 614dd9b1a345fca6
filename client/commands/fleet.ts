import type { Command } from 'commander';
import { z } from 'zod';
import { HOUR, durationBetween, formatDuration } from '../../domain/duration';
import { versionSchema } from '../../domain/release';
import { defaultFleetReadyTimeoutMs, FleetAlreadyRunningError, FleetNotReadyError, fleetDown, fleetStatus, fleetUp } from '../../local/fleet/localFleet';
import { EXIT, UserError } from '../exitCodes';
import { prepareOutputFolder } from '../outputFolder';
import { parseFlags } from '../parseFlags';

export const DEFAULT_FLEET_DIR = '.rampart/fleet';

const upFlags = z.strictObject({
  size: z.coerce.number({ error: 'expected a whole number' }).int('expected a whole number').min(1, 'expected at least 1 target').max(99, 'expected at most 99 targets'),
  version: versionSchema,
  internal: z.coerce.number({ error: 'expected a whole number' }).int('expected a whole number').min(0).optional(),
  dir: z.string().min(1),
  timeout: durationBetween(1, HOUR).optional(),
  json: z.boolean().optional(),
});

async function up(raw: unknown): Promise<void> {
  const flags = parseFlags(upFlags, raw);
  if (flags.internal !== undefined && flags.internal > flags.size) {
    parseFlags(z.object({ internal: z.number().max(flags.size, `at most the fleet size (${flags.size})`) }), { internal: flags.internal });
  }
  const unusable = await prepareOutputFolder(flags.dir);
  if (unusable) throw new UserError(`--dir: ${unusable}`);
  const readyTimeoutMs = flags.timeout ?? defaultFleetReadyTimeoutMs(flags.size);
  const result = await fleetUp({
    stateDir: flags.dir,
    size: flags.size,
    version: flags.version,
    readyTimeoutMs,
    // The point of `fleet up`: the fleet keeps running after this command has exited.
    keepRunning: true,
    ...(flags.internal !== undefined ? { internal: flags.internal } : {}),
  }).catch((err: unknown) => {
    if (err instanceof FleetNotReadyError) {
      throw new UserError(`fleet up: ${err.message}; the fleet was stopped again. Give it longer with --timeout (it had ${formatDuration(readyTimeoutMs)})`, EXIT.notReady);
    }
    if (err instanceof FleetAlreadyRunningError) throw new UserError(`fleet up: ${err.message}`, EXIT.badInput);
    throw err;
  });
  if (flags.json) {
    console.log(JSON.stringify({ fleetFile: result.fleetFile, supervisorPid: result.supervisorPid, targets: result.fleet.targets }));
    return;
  }
  console.log(`fleet up: ${result.fleet.targets.length} target(s) on ${flags.version}, fleet file ${result.fleetFile}`);
  for (const t of result.fleet.targets) {
    console.log(`  ${t.id}  ${t.adapter === 'local' ? t.url : ''}  ring=${t.labels.ring ?? ''}`);
  }
}

async function down(raw: { dir: string }): Promise<void> {
  const result = await fleetDown({ stateDir: raw.dir });
  console.log(`fleet down: ${result.message}`);
}

async function status(raw: { dir: string; json?: boolean }): Promise<void> {
  const s = await fleetStatus({ stateDir: raw.dir });
  if (raw.json) {
    console.log(JSON.stringify(s, null, 2));
    return;
  }
  if (!s.fleet) {
    console.log(`no fleet in ${s.stateDir}; start one with "rampart fleet up --size 10 --version 1.0.0"`);
    return;
  }
  console.log(`fleet ${s.running ? `running (supervisor pid ${s.supervisorPid})` : 'stopped'}`);
  for (const t of s.targets) {
    console.log(`  ${t.id.padEnd(6)} ${(t.version ?? '-').padEnd(12)} ${t.up ? 'up  ' : 'DOWN'} ${t.state.padEnd(10)} restarts ${t.restarts}  ${t.url}`);
  }
}

export function registerFleetCommands(program: Command): void {
  const fleet = program.command('fleet').description('a real local fleet of target processes on loopback');
  fleet
    .command('up')
    .description('start N targets serving /health and /metrics with a version installed')
    .requiredOption('--size <n>', 'number of targets (1-99)')
    .requiredOption('--version <version>', 'version every target starts on')
    .option('--internal <n>', 'how many targets form the internal dogfood ring (default 2)')
    .option('--timeout <duration>', `how long to wait for every target to serve its version, e.g. 2m (default ${formatDuration(defaultFleetReadyTimeoutMs(0))} + ${formatDuration(defaultFleetReadyTimeoutMs(1) - defaultFleetReadyTimeoutMs(0))} a target); exit ${EXIT.notReady} when they do not`)
    .option('--dir <dir>', 'state folder', DEFAULT_FLEET_DIR)
    .option('--json', 'print JSON')
    .action(up);
  fleet.command('down').description('stop every target of the fleet').option('--dir <dir>', 'state folder', DEFAULT_FLEET_DIR).action(down);
  fleet.command('status').description('each target\'s version and health').option('--dir <dir>', 'state folder', DEFAULT_FLEET_DIR).option('--json', 'print JSON').action(status);
}
