import type { Command } from 'commander';
import { z } from 'zod';
import { escalationPoliciesSchema } from '../../domain/incident';
import { UserError } from '../exitCodes';
import { startHookServer, WEBHOOK_SECRET_ENV } from '../hooks/hookServer';
import { loadDocument } from '../loadDocument';
import { parseFlags } from '../parseFlags';
import { terminalLine } from '../../domain/escape/terminal';
import { withIncidents } from '../temporalSession';
import { DEFAULT_ESCALATION_FILE } from './incident';

const flagsSchema = z.strictObject({
  port: z.coerce.number({ error: 'expected a port number' }).int().min(0).max(65535),
  policy: z.string().min(1),
});

/**
 * The monitoring and chat side door: Alertmanager and generic alerts open or join incidents, and
 * Slack's Acknowledge button acks them. Runs until Ctrl-C.
 */
async function serve(raw: unknown): Promise<void> {
  const flags = parseFlags(flagsSchema, raw);
  const secret = process.env[WEBHOOK_SECRET_ENV];
  if (!secret || secret.length < 16) throw new UserError(`${WEBHOOK_SECRET_ENV} must be set to a shared secret of at least 16 characters`);
  const policies = await loadDocument(flags.policy, escalationPoliciesSchema);
  const signingSecret = process.env.SLACK_SIGNING_SECRET;
  await withIncidents(async (incidents) => {
    const server = await startHookServer({
      port: flags.port,
      secret,
      onAlert: (event) => incidents.openOrJoin(policies, event, event.source),
      ...(signingSecret ? {
        slackActions: {
          signingSecret,
          // A refusal (RejectedError) reaches the clicker as a short sentence (slackActions.ts).
          onAck: (incidentId: string, slackUser: string) => incidents.ack(incidentId, { by: slackUser, reason: 'Slack button' }),
        },
      } : {}),
      // A log line may quote what a sender or an Update answer said: one line, controls made visible.
      log: (line) => console.log(terminalLine(line)),
    });
    console.log(`listening on ${server.url}: POST /hooks/alertmanager, /hooks/generic${signingSecret ? ', /slack/actions' : ' (set SLACK_SIGNING_SECRET for /slack/actions)'}`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await server.close();
  });
}

export function registerHookCommands(program: Command): void {
  program
    .command('hooks')
    .description('alert webhooks and Slack interactivity')
    .command('serve')
    .description(`serve POST /hooks/alertmanager, /hooks/generic (auth: ${WEBHOOK_SECRET_ENV}) and /slack/actions (SLACK_SIGNING_SECRET)`)
    .option('--port <port>', 'port on 127.0.0.1', '8088')
    .option('--policy <file>', 'escalation policy file', DEFAULT_ESCALATION_FILE)
    .action(serve);
}
