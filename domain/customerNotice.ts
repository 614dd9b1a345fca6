import type { Customer } from './customers';

/**
 * What customers are told, and why. A notice is built by the rollout workflow from its own state
 * (so customers hear what is really happening), then delivered by an activity that applies the
 * customer's preferences (opt-outs, weekly cap, quiet hours) and sends it exactly once per key.
 */
export type NoticeKind =
  | 'pre-deployment'
  | 'post-deployment'
  | 'incident'
  | 'incident-update'
  | 'incident-resolved'
  | 'digest';

/**
 * Routine categories can be opted out of, capped and held over quiet hours; security and incident
 * notices always go out at once.
 */
export type NoticeCategory = 'pre-deployment' | 'post-deployment' | 'digest' | 'security' | 'incident';

export const URGENT_CATEGORIES: readonly NoticeCategory[] = ['security', 'incident'];

export interface MaintenanceSlot {
  /** When the customer's targets may start to be updated (ISO, UTC). */
  opensAt: string;
  closesAt: string;
  /** The window as the customer reads it, in their own time zone: "Tue 24 Nov 02:00–05:00 CET". */
  label: string;
}

/** The facts a notice states; rendering into mail, Slack and webhook bodies is the activity's job. */
export interface NoticeFacts {
  release: string;
  fromVersion: string;
  /** What customers see the update as, e.g. "Rampart demo service". */
  component: string;
  releaseNotes: string;
  security: boolean;
  window?: MaintenanceSlot;
  /** Expected impact and downtime, from the playbook. */
  expectedImpact?: string;
  expectedDowntime?: string;
  /** How to defer: the CLI command and the portal address. */
  howToDefer?: string;
  /** Latest time the customer may defer to (ISO). */
  deferUntilLatest?: string;
  /** Incidents: what customers notice, what is being done, when they hear next (ISO). */
  impact?: string;
  action?: string;
  nextUpdateAt?: string;
  /** Post-deployment: how to report a problem. */
  reportProblem?: string;
  /** Digest: the minor changes it batches, oldest first. */
  changes?: { at: string; text: string }[];
  portalUrl?: string;
}

export interface CustomerNotice {
  /** Idempotency key, `<rolloutId>/<customerId>/<kind>/<seq>`: the same key is never delivered twice. */
  key: string;
  rolloutId: string;
  kind: NoticeKind;
  category: NoticeCategory;
  /** Built at this workflow time (ISO); the activity judges quiet hours and the weekly cap at delivery. */
  createdAt: string;
  facts: NoticeFacts;
}

export type NoticeOutcome =
  /** Went out on these channels ("email", "slack", "webhook"). */
  | { outcome: 'sent'; channels: string[] }
  /** Not sent, on purpose: opted out, or over the weekly cap (then folded into the next digest). */
  | { outcome: 'suppressed'; reason: string }
  /** Non-urgent and inside the customer's quiet hours: deliver again at `until` (ISO). */
  | { outcome: 'held'; until: string; reason: string };

/** One notice of a batch: delivered, suppressed or held as on its own, or failed for good. */
export type BatchNoticeOutcome = NoticeOutcome | { outcome: 'failed'; reason: string };

/**
 * A notice of a batch, split between what all share and what is its own: the key is not sent but
 * rebuilt by noticeKey from rolloutId, the customer, kind and `seq`.
 */
export type BatchNoticeFields = Partial<Omit<CustomerNotice, 'key' | 'facts'>> & { seq?: number; facts: Partial<NoticeFacts> };

export interface DeliverNoticeArgs {
  notice: CustomerNotice;
  customer: Customer;
}

export function noticeKey(rolloutId: string, customerId: string, kind: NoticeKind, seq: number): string {
  return `${rolloutId}/${customerId}/${kind}/${seq}`;
}
