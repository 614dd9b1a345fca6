import { resolve } from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
import { Connection } from '@temporalio/client';
import { startDevServer, stopDevServer } from '../../local/temporal/devServer';
import { notAFolderProblem, prepareOutputFolder } from '../outputFolder';
import { EXIT, UserError } from '../exitCodes';
import { withTemporal } from '../temporalSession';
import { checkSearchAttributes, registerSearchAttributes, SearchAttributeConflict, temporalCliCommands } from '../../contract/searchAttributeRegistry';
import { SEARCH_ATTRIBUTE_LIST } from '../../contract/searchAttributes';
import { parseFlags } from '../parseFlags';
import { signalPid } from '../../local/process/pids';
import { spawnProcess } from '../../local/process/processes';
import { nodeArgsForTs } from '../../local/process/tsxCommand';

const port = z.coerce.number({ error: 'expected a port number' }).int().min(1).max(65535);
const startFlags = z.strictObject({ dir: z.string().min(1), port, uiPort: port, json: z.boolean().optional() });

async function start(raw: unknown): Promise<void> {
  const flags = parseFlags(startFlags, raw);
  const unusable = await prepareOutputFolder(flags.dir);
  if (unusable) throw new UserError(`--dir: ${unusable}`);
  const server = await startDevServer({ dataDir: flags.dir, port: flags.port, uiPort: flags.uiPort, detached: true });
  // A server started by an older Rampart lacks the search attributes a fresh one is started with.
  const added = server.alreadyRunning ? await registerOnRunningServer(server.address) : [];
  if (flags.json) {
    console.log(JSON.stringify(server));
    return;
  }
  console.log(`${server.alreadyRunning ? 'already running' : 'started'}: Temporal dev server at ${server.address} (pid ${server.pid})`);
  if (added.length > 0) console.log(`registered Rampart's search attributes it lacked: ${added.join(', ')}`);
  if (server.uiUrl) console.log(`Web UI: ${server.uiUrl}`);
  console.log(`state kept in ${server.dbFile}; stop with "rampart server stop"`);
}

async function registerOnRunningServer(address: string): Promise<string[]> {
  const connection = await Connection.connect({ address, connectTimeout: 5_000 });
  try {
    return await registerSearchAttributes(connection, 'default');
  } finally {
    await connection.close();
  }
}

async function stop(raw: { dir: string }): Promise<void> {
  const notAFolder = await notAFolderProblem(raw.dir);
  if (notAFolder) throw new UserError(`--dir: ${notAFolder}`);
  const stopped = await stopDevServer(raw.dir);
  console.log(stopped ? 'Temporal dev server stopped' : 'no Temporal dev server was running');
}

/** A registration takes a moment to reach every front end: the setup waits (bounded) until the list shows it. */
const SETUP_SETTLE_MS = 15_000;

/**
 * Registers Rampart's search attributes in the configured namespace (TEMPORAL_*): what the
 * lists read, and what the worker checks before it polls. Idempotent: a second run changes nothing.
 */
async function setup(raw: unknown): Promise<void> {
  const flags = parseFlags(z.strictObject({ json: z.boolean().optional() }), raw);
  await withTemporal(async (client, config) => {
    const { namespace } = config;
    let added: string[];
    try {
      added = await registerSearchAttributes(client.connection, namespace);
    } catch (err) {
      if (err instanceof SearchAttributeConflict) throw new UserError(err.message, EXIT.rejected);
      throw new UserError(
        `cannot register Rampart's search attributes in namespace ${namespace} on ${config.address}: ${(err as Error).message}\n` +
          `Ask whoever runs the cluster to run:\n  ${temporalCliCommands(namespace).join('\n  ')}`,
        EXIT.failure,
      );
    }
    const deadline = Date.now() + SETUP_SETTLE_MS;
    while (added.length > 0 && (await checkSearchAttributes(client.connection, namespace)).missing.length > 0) {
      if (Date.now() > deadline) throw new UserError(`registered ${added.join(', ')} in namespace ${namespace}, but the server does not list them yet after ${SETUP_SETTLE_MS / 1000} s; run "rampart server setup" again`, EXIT.notReady);
      await new Promise((r) => setTimeout(r, 250));
    }
    const names = SEARCH_ATTRIBUTE_LIST.map((k) => k.name);
    if (flags.json) {
      console.log(JSON.stringify({ namespace, added, alreadyRegistered: names.filter((n) => !added.includes(n)) }));
      return;
    }
    console.log(added.length > 0
      ? `registered in namespace ${namespace}: ${added.join(', ')}${added.length < names.length ? ` (the other ${names.length - added.length} were there already)` : ''}`
      : `all ${names.length} of Rampart's search attributes are registered in namespace ${namespace}; nothing changed`);
  });
}

/**
 * Runs the worker in the foreground; Ctrl-C stops it gracefully. The worker process is leashed to
 * this one: killed outright (kill -9), this command takes the worker with it, never leaving a
 * worker behind that polls the task queue.
 */
async function runWorker(): Promise<void> {
  const worker = spawnProcess(process.execPath, nodeArgsForTs(resolve(__dirname, '../../worker/main.ts')), {
    name: 'rampart worker',
    output: 'inherit',
    tie: 'leash',
  });
  // One signal, to the leash, which hands it on: a second one would cut the graceful shutdown short.
  const forward = (signal: NodeJS.Signals) => worker.pid !== undefined && signalPid(worker.pid, signal);
  process.on('SIGINT', forward).on('SIGTERM', forward).on('SIGHUP', forward);
  const { code } = await worker.exited;
  process.exitCode = code ?? 1;
}

export function registerServerCommands(program: Command): void {
  const server = program.command('server').description('the embedded Temporal dev server (SQLite, Web UI on), and setting up a cluster for Rampart');
  server
    .command('start')
    .description('start it in the background; running rollouts survive restarts')
    .option('--dir <dir>', 'data folder', '.rampart')
    .option('--port <port>', 'gRPC port', '7233')
    .option('--ui-port <port>', 'Web UI port', '8233')
    .option('--json', 'print JSON')
    .action(start);
  server.command('stop').description('stop it').option('--dir <dir>', 'data folder', '.rampart').action(stop);
  server
    .command('setup')
    .description("register Rampart's search attributes on the cluster TEMPORAL_* names (once per namespace; running it again changes nothing)")
    .option('--json', 'print JSON')
    .action(setup);
  program.command('worker').description('run a Rampart worker in the foreground (TEMPORAL_* variables pick the cluster)').action(runWorker);
}
