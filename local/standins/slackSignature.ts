import { slackSignature } from '../../client/slackSignature';

export interface SignedSlackRequest {
  body: string;
  timestamp: string;
  signature: string;
  headers: { 'content-type': string; 'x-slack-request-timestamp': string; 'x-slack-signature': string };
}

/**
 * Signs a request the way Slack signs the ones it sends to an app (v0 scheme; verified by
 * client/slackSignature.ts). The stand-in cannot click buttons: tests build the interaction
 * payload themselves and sign it with this.
 */
export function signSlackRequest(args: { signingSecret: string; body: string; timestampSeconds?: number }): SignedSlackRequest {
  const timestamp = String(args.timestampSeconds ?? Math.floor(Date.now() / 1000));
  const signature = slackSignature(args.signingSecret, timestamp, args.body);
  return {
    body: args.body,
    timestamp,
    signature,
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': timestamp, 'x-slack-signature': signature },
  };
}

/** The form body Slack posts when someone clicks a button: `payload=<JSON>`. */
export function blockActionsBody(args: { actionId: string; value: string; userId: string; userName: string; channel: string; messageTs: string }): string {
  const payload = {
    type: 'block_actions',
    user: { id: args.userId, username: args.userName, name: args.userName, team_id: 'T0RAMPART' },
    api_app_id: 'A0RAMPART',
    token: 'verification-token-deprecated',
    container: { type: 'message', message_ts: args.messageTs, channel_id: args.channel, is_ephemeral: false },
    trigger_id: '1234567890.1234567890.abcdef',
    team: { id: 'T0RAMPART', domain: 'rampart-standin' },
    channel: { id: args.channel, name: 'incidents' },
    message: { type: 'message', ts: args.messageTs, bot_id: 'B0RAMPART' },
    response_url: 'https://hooks.slack.com/actions/T0RAMPART/1/placeholder',
    actions: [
      {
        type: 'button',
        action_id: args.actionId,
        block_id: 'rampart_incident_actions',
        value: args.value,
        text: { type: 'plain_text', text: 'Acknowledge', emoji: false },
        action_ts: `${Math.floor(Date.now() / 1000)}.000100`,
      },
    ],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}
