/** The notification activities: Slack and mail, each exactly once per idempotency key. */
export { postSlackMessage, updateSlackMessage } from './slackNotifier';
export { sendEmail } from './emailNotifier';
