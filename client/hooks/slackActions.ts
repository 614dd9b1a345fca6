import { z } from 'zod';
import { NotFoundError, RejectedError } from '../errors';
import { verifySlackSignature } from '../slackSignature';
import type { ReplayGuard } from './replayGuard';

export interface SlackActionsOptions {
  signingSecret: string;
  /**
   * Turns a click on "Acknowledge" into the incident's ack Update; the answer is shown in Slack.
   * Throws the incident client's errors (RejectedError, NotFoundError) when it does not take.
   */
  onAck: (incidentId: string, slackUserId: string) => Promise<string>;
  /** Where the detail of a refused or failed ack goes (never to the clicker). */
  log?: (line: string) => void;
  /** Signatures already answered: Slack's requests carry a timestamp, so a repeat is refused. */
  seen?: ReplayGuard;
}

const blockActionsSchema = z.object({
  type: z.literal('block_actions'),
  // Ids, not text: whatever a click carries ends up in an incident's timeline and in answers.
  user: z.object({ id: z.string().regex(/^[A-Z0-9]{1,32}$/, 'expected a Slack user id') }),
  actions: z.array(z.object({ action_id: z.string().max(255), value: z.string().regex(/^[A-Za-z0-9._-]{1,128}$/, 'expected an incident id').optional() })).min(1),
});

/**
 * Slack's interactivity callback (a click on a Block Kit button). Verified with Slack's request
 * signature before anything is read; a forged, stale or repeated request changes nothing.
 */
export async function handleSlackAction(
  options: SlackActionsOptions,
  headers: { timestamp: string | undefined; signature: string | undefined },
  body: Buffer,
): Promise<{ status: number; body: unknown }> {
  const raw = body.toString('utf8');
  const check = verifySlackSignature({ signingSecret: options.signingSecret, timestamp: headers.timestamp, signature: headers.signature, body: raw });
  if (!check.ok) return { status: 401, body: { error: 'unauthorized', reason: check.reason } };
  if (options.seen && options.seen.claim(headers.signature!, Number(headers.timestamp)) !== 'fresh') {
    return { status: 409, body: { error: 'replayed request', reason: 'this X-Slack-Signature was already answered' } };
  }
  let payload: unknown;
  try {
    payload = JSON.parse(new URLSearchParams(raw).get('payload') ?? '');
  } catch {
    return { status: 400, body: { error: 'expected a form body with a JSON "payload" field' } };
  }
  const parsed = blockActionsSchema.safeParse(payload);
  if (!parsed.success) return { status: 400, body: { error: 'not a block_actions payload', issues: parsed.error.issues.map((i) => i.path.join('.')) } };
  const ack = parsed.data.actions.find((a) => a.action_id === 'rampart_ack' && a.value);
  if (!ack?.value) return { status: 200, body: { text: 'nothing to do for this action' } };
  const user = parsed.data.user.id;
  try {
    return { status: 200, body: { response_type: 'ephemeral', text: await options.onAck(ack.value, user) } };
  } catch (err) {
    // The clicker may be anyone in the channel: they get a short answer, the detail stays in our log.
    options.log?.(`slack ack of ${ack.value} by ${user} not taken: ${(err as Error).name}: ${(err as Error).message}`);
    return { status: 200, body: { response_type: 'ephemeral', text: ackRefusalText(err) } };
  }
}

/**
 * What the clicker reads when an ack does not take. The reasons are the incident workflow's own
 * validator messages (workflows/incident.ts) and the incident client's; anything else (Temporal
 * unreachable, a timeout) is "try again", with no error class, workflow id or roster in it.
 */
export function ackRefusalText(err: unknown): string {
  if (err instanceof NotFoundError) return 'Not acknowledged: this incident no longer exists.';
  if (err instanceof RejectedError) {
    if (/already resolved/.test(err.reason)) return 'Not acknowledged: this incident has already been resolved.';
    if (/already acknowledged/.test(err.reason)) return 'Not acknowledged: this incident has already been acknowledged.';
    if (/not on the paged tier/.test(err.reason)) return 'Not acknowledged: you are not on the escalation tier being paged for this incident.';
    return 'Not acknowledged: this incident does not take an acknowledgement now.';
  }
  return 'Not acknowledged: Rampart could not reach the incident just now. Try again in a moment.';
}
