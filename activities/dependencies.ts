import type { NoticeDecisions } from './customerNotify/noticeDecisionLog';
import type { MailTransport } from './notify/mailTransport';
import type { SentLedger } from './notify/sentLedger';
import type { SlackSettings } from './notify/slackClient';
import type { SecretLookup } from './secrets';

/**
 * Everything the activities depend on, given by the worker (worker/config.ts reads it from the
 * environment once) or by a test. Activities read no environment of their own.
 */
export interface ActivityDependencies {
  /** Local state: the sent ledger, customer-notice decisions, incident reports. */
  stateDir: string;
  /**
   * The artifact store (RAMPART_ARTIFACT_STORE): the only folders release archives and customers
   * files that go by reference are read from; any other path a workflow names is refused.
   */
  artifactStore: readonly string[];
  /** Slack bot token and API base. */
  slack: SlackSettings;
  /** The pooled SMTP transport and sender; whoever made it closes it. */
  mail: MailTransport;
  /** Webhook signing secrets (deploy targets, customers) by the name their files give. */
  secret: SecretLookup;
  /** The exactly-once ledger; default the JSONL file in `stateDir` (one worker). Several workers need a shared one. */
  sentLedger?: SentLedger;
  /** Customer-notice delivery decisions (stable answers, the weekly cap); default the JSONL file in `stateDir`. Several workers need a shared one. */
  noticeDecisions?: NoticeDecisions;
}
