import type { MaintenanceSlot, NoticeCategory, NoticeKind } from './customerNotice';

/** Where one customer stands in a rollout: what the on-call engineer and the customer both see. */
export type CustomerState =
  /** Pinned to the previous release line (N-1): this rollout leaves them alone. */
  | 'pinned'
  /** Their step has not started yet. */
  | 'pending'
  /** Their step started; they wait for their maintenance window (or their deferral). */
  | 'waiting_for_window'
  | 'updating'
  /** Their targets run the new version and their step passed. */
  | 'updated'
  | 'rolled_back'
  /** Being returned to the previous version, but some of their systems could not be confirmed back yet. */
  | 'restore_unconfirmed';

export interface NoticeRecord {
  key: string;
  kind: NoticeKind;
  category: NoticeCategory;
  at: string;
  /** sent, suppressed (opt-out or cap), held (quiet hours, then sent later), batched (into a digest), failed (every retry refused). */
  outcome: 'sent' | 'suppressed' | 'held' | 'batched' | 'failed';
  channels?: string[];
  reason?: string;
}

export interface Deferral {
  until: string;
  by: string;
  reason: string | null;
  at: string;
}

export interface CustomerRolloutStatus {
  id: string;
  name: string;
  channel: 'early-access' | 'stable';
  timeZone: string;
  /** The step that updates them (canary for Early Access, a wave for Stable); null when pinned. */
  step: string | null;
  targets: string[];
  state: CustomerState;
  /** Why they wait, in words: "maintenance window Sat 28 Nov 23:00–03:00 EST", "deferred by ops@acme until …". */
  waitingFor: string | null;
  window: MaintenanceSlot | null;
  deferral: Deferral | null;
  /** The latest time they may defer to: rollout start + their allowance (shorter for security fixes). */
  deferrableUntil: string;
  notices: NoticeRecord[];
}

/** Every notice accounted for: nothing suppressed or batched silently. */
export interface NoticeTotals {
  sent: number;
  suppressed: number;
  held: number;
  batched: number;
  failed: number;
}
