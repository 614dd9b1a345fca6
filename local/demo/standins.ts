/** The demo's Slack and SMTP stand-in processes: the local stack's (local/stack/standinProcesses.ts). */
export * from '../stack/standinProcesses';
