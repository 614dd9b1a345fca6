import { join } from 'node:path';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import type { ActivityDependencies } from '../../activities/dependencies';
import { MailTransport } from '../../activities/notify/mailTransport';
import type { Fault } from '../fleet/artifactBuild';
import { buildArtifact, type BuiltArtifact } from '../fleet/artifactBuild';
import type { FleetUpResult } from '../fleet/localFleet';
import { LocalStack } from '../stack/localStack';
import { DEFAULT_CHANNELS } from '../standins/slackWorkspace';
import type { SlackStandin } from '../standins/slackServer';
import type { SmtpStandin } from '../standins/smtpServer';
import { DRILL_BASE_VERSION, DRILL_FLEET_INTERNAL, DRILL_FLEET_SIZE, DRILL_MAIL_FROM, DRILL_SLACK_TOKEN, DRILL_TASK_QUEUE, DRILL_VERSION } from './drillSettings';

/**
 * A drill's own world, built from the parts the demo and the bench use (LocalStack): a Temporal
 * dev server of its own, the Slack and SMTP stand-ins as the only channels anything can reach, a
 * Rampart worker wired to them alone, a local fleet of real target processes on the base version,
 * and the release built with the scenario's fault. Nothing here knows a real Slack or mail server.
 */
export interface DrillStack {
  stack: LocalStack;
  slack: SlackStandin;
  smtp: SmtpStandin;
  fleet: FleetUpResult;
  artifact: BuiltArtifact;
  close: () => Promise<void>;
}

export async function startDrillStack(options: { dir: string; slackChannels: string[]; fault: Fault; log: (line: string) => void }): Promise<DrillStack> {
  const { dir, log } = options;
  quietTemporalLogs(log);
  // A free port can be taken by another process between the pick and the bind: one more try.
  const stack = await LocalStack.start({ dir, log }).catch((err: Error) => {
    log(`the dev server did not start (${err.message.split('\n')[0]}); trying once more on another port`);
    return LocalStack.start({ dir, log });
  });
  let mail: MailTransport | undefined;
  const close = async () => {
    await stack.close();
    mail?.close();
  };
  try {
    const slack = await stack.startSlack({ tokens: [DRILL_SLACK_TOKEN], channels: [...new Set([...DEFAULT_CHANNELS, ...options.slackChannels])] });
    const smtp = await stack.startSmtp({ storeFile: join(dir, 'mails.jsonl') });
    log(`drill Slack stand-in ${slack.url}, SMTP stand-in ${smtp.url}: the only channels this drill can reach`);
    mail = new MailTransport({ smtpUrl: smtp.url, from: DRILL_MAIL_FROM });
    const dependencies: ActivityDependencies = {
      stateDir: join(dir, 'worker-state'),
      artifactStore: [dir],
      slack: { token: DRILL_SLACK_TOKEN, apiUrl: slack.url },
      mail,
      // A drill fleet is local: no webhook target or customer channel has a secret to look up.
      secret: () => undefined,
    };
    const fleetReady = stack.startFleet({ name: 'fleet', size: DRILL_FLEET_SIZE, version: DRILL_BASE_VERSION, internal: DRILL_FLEET_INTERNAL });
    fleetReady.catch(() => undefined); // awaited below
    await stack.startWorker({ what: 'drill worker', taskQueue: DRILL_TASK_QUEUE, dependencies });
    const fleet = await fleetReady;
    log(`drill fleet: ${fleet.fleet.targets.length} target processes on ${DRILL_BASE_VERSION}`);
    const artifact = await buildArtifact({ version: DRILL_VERSION, outDir: join(dir, 'artifacts'), notes: `Drill build: injected fault ${JSON.stringify(options.fault)}`, fault: options.fault });
    log(`drill release ${DRILL_VERSION} built with the fault ${JSON.stringify(options.fault)}: ${artifact.path}`);
    return { stack, slack, smtp, fleet, artifact, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** The worker's own log lines would bury the drill's: warnings and errors only, through the drill's log. */
function quietTemporalLogs(log: (line: string) => void): void {
  try {
    // Core's own log lines too (forwarded): left to themselves they go to stdout, inside `--json`.
    Runtime.install({
      logger: new DefaultLogger('WARN', (entry) => log(`temporal ${entry.level}: ${entry.message}`)),
      telemetryOptions: { logging: { filter: { core: 'WARN', other: 'ERROR' }, forward: {} } },
    });
  } catch {
    // already installed (a test's runtime): its logger stays
  }
}
