import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { IncidentClient } from '../../../client/incidentClient';
import { RolloutClient } from '../../../client/rolloutClient';
import type { FleetUpResult } from '../../../local/fleet/localFleet';
import { signalGroup, waitForExit } from '../../../local/process/pids';
import { LocalStack } from '../../../local/stack/localStack';
import { startNoticeReceiver, type NoticeReceiver } from '../../../local/standins/noticeReceiver';
import type { SlackStandin } from '../../../local/standins/slackServer';
import type { SmtpStandin } from '../../../local/standins/smtpServer';
import { readDevServer, startDevServer } from '../../../local/temporal/devServer';
import { startPostgres, type PostgresServer } from '../postgresServer';
import { WorkerPool } from './workerPool';

export const TASK_QUEUE = 'fault-campaign';
export const BASE_VERSION = '1.0.0';
const SLACK_TOKEN = `xoxb-faults-${randomBytes(8).toString('hex')}`;
/** The variable the customers' webhook contacts name for their HMAC secret (the workers read it). */
export const NOTICE_SECRET_ENV = 'RAMPART_CAMPAIGN_NOTICE_SECRET';
/** Every Slack channel a campaign rollout or incident posts to. */
export const CAMPAIGN_CHANNELS = ['#incidents', '#acme-updates', '#umbrella-updates', '#initech-updates'];

export interface CampaignStackOptions {
  dir: string;
  workers: number;
  /** Targets of the fleet good releases go to, and of the fleet bad ones are tried on. */
  goodFleetSize: number;
  badFleetSize: number;
  log: (message: string) => void;
}

/**
 * Everything the fault campaign runs on, all real and all on loopback: a Temporal dev server of
 * its own on a SQLite file (so it can be killed and started again on the same file and port), a
 * PostgreSQL server for the shared ledger, the Slack, SMTP and customer-webhook stand-ins (in this
 * process, which is never killed, so they keep every record), two local fleets, and a pool of
 * worker processes on one task queue with RAMPART_LEDGER_URL set.
 */
export class CampaignStack {
  stack!: LocalStack;
  pg!: PostgresServer;
  slack!: SlackStandin;
  smtp!: SmtpStandin;
  notices!: NoticeReceiver;
  goodFleet!: FleetUpResult;
  badFleet!: FleetUpResult;
  pool!: WorkerPool;
  rollouts!: RolloutClient;
  incidents!: IncidentClient;
  /** Rounds planned on this stack so far: the next round's number, and its good release, follow on. */
  rounds = 0;
  private address = '';

  private constructor(readonly options: CampaignStackOptions) {}

  static async start(options: CampaignStackOptions): Promise<CampaignStack> {
    const campaign = new CampaignStack(options);
    try {
      await campaign.startParts();
    } catch (err) {
      await campaign.close();
      throw err;
    }
    return campaign;
  }

  private async startParts(): Promise<void> {
    const { dir, log } = this.options;
    mkdirSync(dir, { recursive: true });
    this.stack = await LocalStack.start({ dir, log, temporal: { dataDir: path.join(dir, 'temporal'), ui: false } });
    this.address = this.stack.server.address;
    this.slack = await this.stack.startSlack({ tokens: [SLACK_TOKEN], channels: CAMPAIGN_CHANNELS });
    this.smtp = await this.stack.startSmtp();
    const noticeSecret = randomBytes(24).toString('hex');
    this.notices = await startNoticeReceiver({ secret: noticeSecret });
    this.stack.defer('notice receiver', () => this.notices.close());
    this.rollouts = new RolloutClient(this.stack.client, TASK_QUEUE);
    this.incidents = new IncidentClient(this.stack.client, TASK_QUEUE);

    // The slow parts side by side; each puts its own stop on the close list once it is up, and
    // all are awaited before a failure is thrown, so nothing is left running unlisted.
    log('starting PostgreSQL and both fleets, and bundling the workflows once for every worker start');
    const bundleFile = path.join(dir, 'workflow-bundle.js');
    await allOrFirstError([
      startPostgres().then((pg) => {
        this.pg = pg;
        this.stack.defer('PostgreSQL', () => pg.stop());
      }),
      Promise.all([
        this.stack.startFleet({ name: 'good-fleet', size: this.options.goodFleetSize, version: BASE_VERSION, internal: 0 }),
        this.stack.startFleet({ name: 'bad-fleet', size: this.options.badFleetSize, version: BASE_VERSION, internal: 0 }),
      ]).then(([good, bad]) => {
        this.goodFleet = good;
        this.badFleet = bad;
      }),
      bundleWorkflowCode({ workflowsPath: require.resolve('../../../workflows'), logger: new DefaultLogger('WARN') }).then((bundle) => writeFileSync(bundleFile, bundle.code)),
    ]);
    this.pool = new WorkerPool({
      size: this.options.workers,
      dir,
      log,
      env: {
        ...cleanEnv(process.env),
        TEMPORAL_ADDRESS: this.address,
        TEMPORAL_NAMESPACE: 'default',
        RAMPART_TASK_QUEUE: TASK_QUEUE,
        RAMPART_LEDGER_URL: this.pg.url,
        RAMPART_STATE_DIR: path.join(dir, 'worker-state'),
        RAMPART_TEST_WORKFLOW_BUNDLE: bundleFile,
        SLACK_BOT_TOKEN: SLACK_TOKEN,
        SLACK_API_URL: this.slack.url,
        SMTP_URL: this.smtp.url,
        MAIL_FROM: 'rampart-campaign@example.com',
        [NOTICE_SECRET_ENV]: noticeSecret,
      },
    });
    // Workers go before the Postgres server: a smart shutdown waits for their pools to close.
    this.stack.defer('worker pool', () => this.pool.stopAll());
    log(`starting ${this.options.workers} worker processes on task queue ${TASK_QUEUE}`);
    await this.pool.startAll();
  }

  /** SIGKILL to the dev server's whole process group (the server, not a graceful stop), and waits until it is gone. */
  async killServer(): Promise<void> {
    const server = readDevServer(this.stack.server.dataDir);
    if (!server) throw new Error('the campaign dev server is not running');
    signalGroup(server.pid, 'SIGKILL');
    if (!(await waitForExit(server.pid, 10_000))) throw new Error(`the dev server (pid ${server.pid}) is still there after SIGKILL`);
  }

  /** The dev server again, on the same SQLite file and the same port: clients and workers reconnect to what they knew. */
  async restartServer(): Promise<void> {
    const port = Number(this.address.split(':').pop());
    await startDevServer({ dataDir: this.stack.server.dataDir, port, ui: false, startTimeoutMs: 60_000 });
  }

  async close(): Promise<void> {
    await this.stack?.close();
  }
}

/** The shell's Temporal settings must not reach the workers: they talk to the campaign's server only. */
function cleanEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const copy = { ...env };
  for (const name of Object.keys(copy)) {
    if (name.startsWith('TEMPORAL_TLS') || name === 'TEMPORAL_API_KEY' || name === 'RAMPART_FAULT_SEED') delete copy[name];
  }
  return copy;
}

/** Waits for every one, then throws the first failure, if any. */
async function allOrFirstError(parts: Promise<unknown>[]): Promise<void> {
  const settled = await Promise.allSettled(parts);
  const failure = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failure) throw failure.reason;
}
