import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from '../temporal/temporalBinaries';
import { say } from './demoOutput';

/**
 * What the demo is made of: its task queue, its fleet and releases, the playbook, customers and
 * escalation policy it uses, the files it keeps in its folder, and its flags.
 */
export const TASK_QUEUE = 'rampart-demo';
export const NAMESPACE = 'default';
export const FLEET_SIZE = 10;
export const INTERNAL_TARGETS = 2;
export const FIRST_VERSION = '1.0.0';
export const GOOD_VERSION = '1.1.0';
export const BAD_VERSION = '1.2.0';
export const BAD_ERROR_RATE = 0.3;
export const PLAYBOOK = join(REPO_ROOT, 'playbooks', 'demo.yaml');
/** Three customers on the fleet: Early Access in the canary, Stable in the waves. */
export const CUSTOMERS = join(REPO_ROOT, 'playbooks', 'customers', 'demo.yaml');
/** The escalation policy playbooks/demo.yaml names (incidents.policyFile). */
export const ESCALATION = join(REPO_ROOT, 'playbooks', 'escalation', 'demo.yaml');
/** The senior engineer of that policy's second tier, who acknowledges and resolves the incident. */
export const SENIOR = 'sam';
export const MAIL_FROM = 'rampart-demo@example.com';
/** How many lines of the root cause analysis the demo prints. */
export const REPORT_LINES = 25;
export const STANDARD_PORT = 7233;
export const STANDARD_UI_PORT = 8233;
/** Where the SMTP stand-in keeps every mail it received, one JSON line each (in the demo folder). */
export const MAIL_STORE = 'mails.jsonl';
/** The worker's RAMPART_STATE_DIR (notification ledger, incident reports), in the demo folder. */
export const WORKER_STATE = 'worker-state';

/** A failure the demo explains itself: its message is what the user reads, without a stack. */
export class DemoFailure extends Error {}

/** The environment every child gets: the demo's server and task queue, whatever the shell says. */
export function demoEnv(address: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env)) if (name.startsWith('TEMPORAL_TLS') || name === 'TEMPORAL_API_KEY') delete env[name];
  return { ...env, TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: NAMESPACE, RAMPART_TASK_QUEUE: TASK_QUEUE };
}

/** RAMPART_DEMO_TIMEOUT_MS, or 6 minutes. */
export function demoTimeoutMs(): number {
  return Number(process.env.RAMPART_DEMO_TIMEOUT_MS) > 0 ? Number(process.env.RAMPART_DEMO_TIMEOUT_MS) : 6 * 60_000;
}

const usage = (script: string) => `usage: npm run ${script} [-- --keep] [-- --dir <dir>]

  --keep       leave the Temporal dev server, the Slack and SMTP stand-ins, the worker and the
               fleet running afterwards
  --dir <dir>  where the demo keeps its state and logs (default .rampart/${script})
  --help       print this`;

export interface Flags {
  keep: boolean;
  dir: string;
}

/** The flags, or the exit code: 0 after --help, 2 for bad flags (with the usage on stderr). */
export function readFlags(script = 'demo'): Flags | number {
  const USAGE = usage(script);
  try {
    const { values } = parseArgs({
      args: process.argv.slice(2),
      options: { keep: { type: 'boolean' }, dir: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    });
    if (values.help) {
      say(USAGE);
      return 0;
    }
    if (values.dir !== undefined && values.dir.trim() === '') throw new Error('--dir: give a folder');
    return { keep: Boolean(values.keep), dir: resolve(values.dir ?? join(REPO_ROOT, '.rampart', script.replace(/[^a-z0-9-]/g, '-'))) };
  } catch (err) {
    process.stderr.write(`demo: ${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
}
