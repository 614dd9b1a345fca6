import { existsSync } from 'node:fs';
import path from 'node:path';
import type { ActivityDependencies } from '../activities';
import { MailTransport } from '../activities/notify/mailTransport';
import { PgNoticeDecisionLog } from '../activities/customerNotify/pgNoticeDecisionLog';
import { PgSentLedger } from '../activities/notify/pgSentLedger';
import { PgStore } from '../activities/notify/pgStore';
import { temporalConfigFromEnv, type TemporalConfig } from '../domain/temporalConfig';
import { ledgerUrlSchema } from './ledgerUrl';
import { ARTIFACT_STORE_ENV, artifactStoreFolders } from '../artifacts/store';

type Env = Record<string, string | undefined>;

/** The worker's whole configuration: where Temporal is, and what its activities depend on. */
export interface WorkerConfig {
  temporal: TemporalConfig;
  activities: ActivityDependencies;
  ledger: LedgerChoice;
  /** Worker Versioning, when RAMPART_DEPLOYMENT_NAME and RAMPART_BUILD_ID are set. */
  versioning: WorkerVersioning | undefined;
  /** A prebuilt workflow bundle (RAMPART_WORKFLOW_BUNDLE), or undefined: the worker bundles at start. */
  workflowBundle: string | undefined;
}

/**
 * Where the exactly-once ledger lives: the JSONL files of this one process, or PostgreSQL shared by
 * every worker pointing at it (its store, to check it answers before polling; its address, for messages).
 */
export type LedgerChoice = { kind: 'file'; stateDir: string } | { kind: 'postgres'; address: string; store: PgStore };

/** A setting of the activities' dependencies is malformed; the message names the variable. */
export class WorkerConfigError extends Error {
  override readonly name = 'WorkerConfigError';
}

/** Unset and empty are the same: absent. */
function setting(env: Env, name: string): string | undefined {
  return env[name] || undefined;
}

/**
 * What the activities depend on, from the environment, read once:
 *
 * | variable | what |
 * |---|---|
 * | RAMPART_STATE_DIR | local state (sent ledger, customer-notice decisions, incident reports); default `.rampart` |
 * | RAMPART_ARTIFACT_STORE | the folders (joined by ":") artifacts and customers files by reference are read from; any other path is refused; default the working directory |
 * | SLACK_BOT_TOKEN, SLACK_API_URL | the Slack bot token and API base (default Slack's own) |
 * | SMTP_URL, MAIL_FROM | the SMTP server (`smtp://user:pass@host:587`) and the sender (default rampart@localhost) |
 * | RAMPART_WORKFLOW_BUNDLE | a prebuilt workflow bundle (`npm run bundle:workflows`), read by workerConfigFromEnv; default: bundle at start |
 * | RAMPART_LEDGER_URL | `postgres://user:pass@host:5432/db`: the exactly-once ledger and the customer-notice decisions in PostgreSQL, shared by every worker pointing at it (needed with more than one worker process); default the JSONL files in RAMPART_STATE_DIR |
 * | the names in fleet and customers files (`secretEnv`) | webhook signing secrets, looked up in this environment when a webhook is signed |
 *
 * The mail transport and the Postgres ledger open their pooled connections on first use; close
 * them when the worker stops (`mail.close()`, `sentLedger.close()`, which also closes the decisions' shared pools).
 */
export function activityDependenciesFromEnv(env: Env): ActivityDependencies {
  return workerSettingsFromEnv(env).activities;
}

function workerSettingsFromEnv(env: Env): { activities: ActivityDependencies; ledger: LedgerChoice } {
  const stateDir = path.resolve(env.RAMPART_STATE_DIR ?? '.rampart');
  const shared = sharedLedgerFrom(setting(env, 'RAMPART_LEDGER_URL'));
  const activities: ActivityDependencies = {
    stateDir,
    artifactStore: artifactStoreFromEnv(env),
    slack: { token: setting(env, 'SLACK_BOT_TOKEN'), apiUrl: setting(env, 'SLACK_API_URL') },
    mail: new MailTransport({ smtpUrl: setting(env, 'SMTP_URL'), from: setting(env, 'MAIL_FROM') }),
    // Secrets are named by the files a rollout brings, so they are looked up by name, not listed here.
    secret: (name) => setting(env, name),
    ...(shared ? { sentLedger: new PgSentLedger(shared.store), noticeDecisions: new PgNoticeDecisionLog(shared.store) } : {}),
  };
  return { activities, ledger: shared ? { kind: 'postgres', ...shared } : { kind: 'file', stateDir } };
}

/** RAMPART_ARTIFACT_STORE: the folders artifacts (and customers files by reference) are read from; default the working directory. */
function artifactStoreFromEnv(env: Env): string[] {
  try {
    return artifactStoreFolders(setting(env, ARTIFACT_STORE_ENV));
  } catch (err) {
    throw new WorkerConfigError((err as Error).message);
  }
}

/**
 * The sent ledger and the notice decisions in one database, on one store (one set of pools); the
 * URL is checked first, so a malformed one changes nothing. No pool connects before first use.
 */
function sharedLedgerFrom(url: string | undefined): { address: string; store: PgStore } | undefined {
  if (url === undefined) return undefined;
  const parsed = ledgerUrlSchema.safeParse(url);
  if (!parsed.success) {
    const rule = parsed.error.issues[0]?.message ?? 'must be a postgres:// URL';
    throw new WorkerConfigError(`RAMPART_LEDGER_URL ${rule}`);
  }
  return { address: parsed.data.address, store: new PgStore({ url, origin: 'RAMPART_LEDGER_URL' }) };
}

/**
 * Worker Versioning (Temporal worker deployments), off unless both are set:
 * RAMPART_DEPLOYMENT_NAME (the deployment, e.g. `rampart`) and RAMPART_BUILD_ID (this build, e.g.
 * the release's git commit). On, every workflow this worker starts stays PINNED to its build:
 * a rollout started on build A and its children finish on A while new rollouts go to the build
 * made current (`temporal worker deployment set-current-version`). See README, "Upgrading Rampart
 * with rollouts in flight".
 */
export interface WorkerVersioning {
  deploymentName: string;
  buildId: string;
}

const VERSION_PART = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,254}$/;

export function workerVersioningFromEnv(env: Env): WorkerVersioning | undefined {
  const deploymentName = setting(env, 'RAMPART_DEPLOYMENT_NAME');
  const buildId = setting(env, 'RAMPART_BUILD_ID');
  if (deploymentName === undefined && buildId === undefined) return undefined;
  if (deploymentName === undefined || buildId === undefined) {
    throw new WorkerConfigError(`set both RAMPART_DEPLOYMENT_NAME and RAMPART_BUILD_ID for Worker Versioning, or neither (${deploymentName === undefined ? 'RAMPART_DEPLOYMENT_NAME' : 'RAMPART_BUILD_ID'} is not set)`);
  }
  // The server names a version `<deployment>.<build>`: a dot in the deployment name would be ambiguous.
  if (!VERSION_PART.test(deploymentName) || deploymentName.includes('.')) {
    throw new WorkerConfigError(`RAMPART_DEPLOYMENT_NAME must be letters, digits, '-' or '_' (no '.'), e.g. rampart; got ${JSON.stringify(deploymentName)}`);
  }
  if (!VERSION_PART.test(buildId)) {
    throw new WorkerConfigError(`RAMPART_BUILD_ID must be letters, digits, '.', '-' or '_' (up to 255), e.g. a git commit; got ${JSON.stringify(buildId)}`);
  }
  return { deploymentName, buildId };
}

/** The worker's configuration from the environment; throws TemporalConfigError or WorkerConfigError on bad settings. */
export function workerConfigFromEnv(env: Env): WorkerConfig {
  const temporal = temporalConfigFromEnv(env);
  // Read here too so that a malformed setting stops the worker at start-up (exit 2), before it connects.
  const versioning = workerVersioningFromEnv(env);
  return { temporal, ...workerSettingsFromEnv(env), versioning, workflowBundle: workflowBundleFromEnv(env) };
}

/**
 * RAMPART_WORKFLOW_BUNDLE: the workflow bundle `npm run bundle:workflows` wrote, built from the
 * same commit as this worker. Without it the worker bundles the workflows itself at start, which
 * takes seconds and leaves a few hundred MB of the bundler's memory in the process.
 */
export function workflowBundleFromEnv(env: Env): string | undefined {
  const file = setting(env, 'RAMPART_WORKFLOW_BUNDLE');
  if (file === undefined) return undefined;
  const resolved = path.resolve(file);
  if (!existsSync(resolved)) throw new WorkerConfigError(`RAMPART_WORKFLOW_BUNDLE: no file at ${resolved}; build it with npm run bundle:workflows, or unset it to bundle at start`);
  return resolved;
}
