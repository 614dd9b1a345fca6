import { z } from 'zod';
import { verifySlackSignature } from '../slackSignature';

export interface SlackActionsOptions {
  signingSecret: string;
  /** Turns a click on "Acknowledge" into the incident's ack Update; the answer is shown in Slack. */
  onAck: (incidentId: string, slackUserId: string) => Promise<string>;
}

const blockActionsSchema = z.object({
  type: z.literal('block_actions'),
  user: z.object({ id: z.string().min(1) }),
  actions: z.array(z.object({ action_id: z.string(), value: z.string().optional() })).min(1),
});

/**
 * Slack's interactivity callback (a click on a Block Kit button). Verified with Slack's request
 * signature before anything is read; a forged or stale request changes nothing.
 */
export async function handleSlackAction(
  options: SlackActionsOptions,
  headers: { timestamp: string | undefined; signature: string | undefined },
  body: Buffer,
): Promise<{ status: number; body: unknown }> {
  const raw = body.toString('utf8');
  const check = verifySlackSignature({ signingSecret: options.signingSecret, timestamp: headers.timestamp, signature: headers.signature, body: raw });
  if (!check.ok) return { status: 401, body: { error: 'unauthorized', reason: check.reason } };
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
  try {
    return { status: 200, body: { response_type: 'ephemeral', text: await options.onAck(ack.value, parsed.data.user.id) } };
  } catch (err) {
    // A rejected ack (not on the paged tier, already acknowledged) is an answer for the clicker, not a server error.
    return { status: 200, body: { response_type: 'ephemeral', text: `Not acknowledged: ${(err as Error).message}` } };
  }
}
