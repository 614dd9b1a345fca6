/**
 * What the public, and each customer, may see of a rollout: the status portal's only source.
 *
 * The engineer's RolloutStatus carries target ids, host health, gate measurements, who started and
 * approved the rollout, and a timeline of commands. None of that leaves Rampart. These projections
 * copy out, field by field, only what a customer should read: the release, how far it got in
 * numbers, customer-facing incident updates and maintenance times. Adding a field to RolloutStatus
 * therefore never publishes it by accident.
 */
import type { CustomerState, NoticeRecord } from './customerRolloutStatus';
import type { NoticeKind } from './customerNotice';
import type { PublicIncidentUpdate, RolloutStatus, StepStatus, TargetState } from './rolloutStatus';

export type PublicReleaseState =
  | 'scheduled'
  | 'in_progress'
  | 'paused'
  | 'on_hold'
  | 'rolling_back'
  | 'completed'
  | 'rolled_back'
  | 'stopped'
  | 'cancelled';

export type PublicStepState =
  | 'not_started'
  | 'scheduled'
  | 'waiting'
  | 'updating'
  | 'monitoring'
  | 'completed'
  | 'problem'
  | 'stopped'
  | 'rolled_back'
  | 'cancelled';

export interface TimeRange {
  from: string;
  until: string;
}

export interface PublicStep {
  label: string;
  state: PublicStepState;
  stateLabel: string;
  /** Targets updated and still on the new version, of all the step's targets: counts only. */
  done: number;
  total: number;
  /** When the customers this step updates have their maintenance windows, while it has not started. */
  window: TimeRange | null;
  startedAt: string | null;
  endedAt: string | null;
}

export interface PublicIncident {
  at: string;
  state: PublicIncidentUpdate['state'];
  stateLabel: string;
  message: string;
  nextUpdateAt: string | null;
  /** How many customers are affected; never who. */
  affectedCustomers: number;
}

export interface PublicRelease {
  /** The rollout id: the release's address on the portal. */
  id: string;
  component: string;
  version: string;
  state: PublicReleaseState;
  stateLabel: string;
  /** True while the rollout can still change. */
  active: boolean;
  steps: PublicStep[];
  /** Targets done of all targets, over every step. */
  done: number;
  total: number;
  /** The incident as it stands now, unless resolved; its updates oldest first. */
  incident: PublicIncident | null;
  incidentUpdates: PublicIncident[];
  /** Earliest opening and latest closing of the maintenance windows still ahead. */
  maintenance: TimeRange | null;
  startedAt: string;
  endedAt: string | null;
  /** The latest moment anything public about it changed: for feeds and sorting. */
  updatedAt: string;
}

const RELEASE_STATE_LABELS: Record<PublicReleaseState, string> = {
  scheduled: 'Scheduled',
  in_progress: 'In progress',
  paused: 'Paused',
  on_hold: 'On hold',
  rolling_back: 'Rolling back',
  completed: 'Completed',
  rolled_back: 'Rolled back',
  stopped: 'Stopped',
  cancelled: 'Cancelled',
};

const STEP_STATE_LABELS: Record<PublicStepState, string> = {
  not_started: 'Not started',
  scheduled: 'Scheduled',
  waiting: 'Waiting to start',
  updating: 'Updating',
  monitoring: 'Monitoring',
  completed: 'Completed',
  problem: 'Problem found',
  stopped: 'Stopped',
  rolled_back: 'Rolled back',
  cancelled: 'Cancelled',
};

const INCIDENT_STATE_LABELS: Record<PublicIncidentUpdate['state'], string> = {
  investigating: 'Investigating',
  rolling_back: 'Rolling back',
  monitoring: 'Monitoring',
  resolved: 'Resolved',
};

/** "canary" → "Canary", "wave-2" → "Wave 2", "dogfood" → "Internal": how a customer reads a step. */
export function publicStepLabel(name: string): string {
  if (name === 'dogfood') return 'Internal';
  const wave = /^wave-(\d+)$/.exec(name);
  if (wave) return `Wave ${wave[1]}`;
  return name.charAt(0).toUpperCase() + name.slice(1).replace(/-/g, ' ');
}

const WAITING_CUSTOMER_STATES: readonly CustomerState[] = ['pending', 'waiting_for_window'];
/** A release being rolled back (or over) will not update anyone: a deferral would mean nothing. */
const DEFERRABLE_RELEASE_STATES: readonly PublicReleaseState[] = ['scheduled', 'in_progress', 'paused', 'on_hold'];

/** Whether the step did any work yet: installed something, or began to (waiting for a window is not work). */
function hasBegun(step: StepStatus, targetStates: Map<string, TargetState>): boolean {
  if (step.state !== 'pending' && step.state !== 'awaiting_approval' && step.state !== 'waiting_for_window') return true;
  return step.targets.some((id) => (targetStates.get(id) ?? 'pending') !== 'pending');
}

function releaseState(status: RolloutStatus, targetStates: Map<string, TargetState>): PublicReleaseState {
  const started = status.steps.some((step) => hasBegun(step, targetStates));
  switch (status.state) {
    case 'queued':
      return 'scheduled';
    case 'running':
    case 'awaiting_approval':
      return started ? 'in_progress' : 'scheduled';
    case 'paused':
    case 'stopping':
      return 'paused';
    // Waiting out a freeze: customers see it paused until the freeze ends.
    case 'frozen':
      return started ? 'paused' : 'scheduled';
    case 'held':
      return 'on_hold';
    case 'rolling_back':
      return 'rolling_back';
    // Over, but not every system is verified back: "Rolled back" would promise what is not known.
    case 'rollback_incomplete':
      return 'stopped';
    case 'completed':
      return 'completed';
    case 'rolled_back':
      return 'rolled_back';
    case 'failed':
    case 'terminated':
    case 'cancelled':
    case 'timed_out':
      return interruptedState(status, started);
  }
}

/**
 * A rollout ended behind Rampart's back is over, whatever it last reported: "Stopped" (or
 * "Cancelled" if it had not begun), "Rolling back" while `rollout recover` runs, "Rolled back"
 * once the recovery verified every system back.
 */
function interruptedState(status: RolloutStatus, started: boolean): PublicReleaseState {
  switch (status.recovery?.state) {
    case 'rolling_back':
      return 'rolling_back';
    case 'rolled_back':
      return 'rolled_back';
    default:
      return started ? 'stopped' : 'cancelled';
  }
}

/** Earliest opening and latest closing of these customers' windows, if any have one. */
function windowRange(status: RolloutStatus, include: (c: NonNullable<RolloutStatus['customers']>[number]) => boolean): TimeRange | null {
  const windows = (status.customers ?? []).filter((c) => c.window && include(c)).map((c) => c.window!);
  if (windows.length === 0) return null;
  const from = windows.map((w) => w.opensAt).sort()[0]!;
  const until = windows.map((w) => w.closesAt).sort().at(-1)!;
  return { from, until };
}

function stepState(step: StepStatus, begun: boolean, release: PublicReleaseState, window: TimeRange | null): PublicStepState {
  const undone = release === 'rolled_back' || release === 'rolling_back';
  // Steps that never began will not, once the release is undone or over.
  const ended = undone || release === 'stopped' || release === 'cancelled';
  if (!begun) {
    if (ended) return 'cancelled';
    if (step.state === 'awaiting_approval') return 'waiting';
    return window || step.state === 'waiting_for_window' ? 'scheduled' : 'not_started';
  }
  if (undone) return 'rolled_back';
  switch (step.state) {
    case 'installing':
    case 'waiting_for_window':
      // Some of its customers are updated, others wait for their windows: it is under way.
      return 'updating';
    case 'baking':
    case 'awaiting_cutover':
      return 'monitoring';
    case 'passed':
      return 'completed';
    case 'breached':
      return 'problem';
    default:
      return 'stopped';
  }
}

function publicStep(status: RolloutStatus, step: StepStatus, release: PublicReleaseState, targetStates: Map<string, TargetState>): PublicStep {
  const window = windowRange(status, (c) => c.step === step.name && WAITING_CUSTOMER_STATES.includes(c.state));
  const state = stepState(step, hasBegun(step, targetStates), release, window);
  return {
    label: publicStepLabel(step.name),
    state,
    stateLabel: STEP_STATE_LABELS[state],
    done: step.targets.filter((id) => targetStates.get(id) === 'installed').length,
    total: step.targets.length,
    window: state === 'scheduled' || state === 'waiting' || state === 'updating' ? window : null,
    startedAt: step.startedAt,
    endedAt: step.endedAt,
  };
}

export function publicIncident(update: PublicIncidentUpdate): PublicIncident {
  return {
    at: update.at,
    state: update.state,
    stateLabel: INCIDENT_STATE_LABELS[update.state],
    message: update.message,
    nextUpdateAt: update.state === 'resolved' ? null : update.nextUpdateAt,
    affectedCustomers: update.affectedCount ?? update.affected.length,
  };
}

function latest(times: (string | null | undefined)[]): string {
  return times.filter((t): t is string => typeof t === 'string').sort().at(-1)!;
}

/** The public projection of one rollout. */
export function toPublicRelease(status: RolloutStatus): PublicRelease {
  const targetStates = new Map(status.targets.map((t) => [t.id, t.state] as const));
  const state = releaseState(status, targetStates);
  const steps = status.steps.map((step) => publicStep(status, step, state, targetStates));
  const incidentUpdates = (status.publicIncidents ?? []).map(publicIncident);
  const last = incidentUpdates.at(-1);
  const active = state !== 'completed' && state !== 'rolled_back' && state !== 'stopped' && state !== 'cancelled';
  return {
    id: status.rolloutId,
    component: status.component ?? 'Service',
    version: status.version,
    state,
    stateLabel: RELEASE_STATE_LABELS[state],
    active,
    steps,
    done: steps.reduce((n, s) => n + s.done, 0),
    total: steps.reduce((n, s) => n + s.total, 0),
    incident: last && last.state !== 'resolved' ? last : null,
    incidentUpdates,
    maintenance: DEFERRABLE_RELEASE_STATES.includes(state) ? windowRange(status, (c) => WAITING_CUSTOMER_STATES.includes(c.state)) : null,
    startedAt: status.startedAt,
    endedAt: status.endedAt,
    updatedAt: latest([status.startedAt, status.endedAt, ...status.steps.flatMap((s) => [s.startedAt, s.endedAt]), ...incidentUpdates.map((i) => i.at)]),
  };
}

// --- one customer's own view ------------------------------------------------------------------

export interface CustomerTargetView {
  /** Their own target: named to them, to nobody else. */
  id: string;
  state: TargetState;
  stateLabel: string;
}

export interface CustomerNoticeView {
  kind: NoticeKind;
  at: string;
  outcome: NoticeRecord['outcome'];
}

export interface CustomerDeferralView {
  until: string;
  reason: string | null;
  at: string;
  /** Asked for on the portal (by the customer) or by our support on their behalf: never a person's name. */
  requestedBy: 'you' | 'support';
}

export interface CustomerReleaseView {
  release: Pick<PublicRelease, 'id' | 'component' | 'version' | 'state' | 'stateLabel' | 'active'>;
  customerId: string;
  customerName: string;
  state: CustomerState;
  stateLabel: string;
  step: string | null;
  targets: CustomerTargetView[];
  /** Their maintenance window, in their own time zone's words, and as instants. */
  window: { label: string; opensAt: string; closesAt: string } | null;
  deferral: CustomerDeferralView | null;
  deferrableUntil: string;
  /** Whether a deferral can still take effect: the release goes on and their update has not begun. */
  canDefer: boolean;
  notices: CustomerNoticeView[];
  /** The incident as it stands, when it affects them. */
  incident: PublicIncident | null;
}

const CUSTOMER_STATE_LABELS: Record<CustomerState, string> = {
  pinned: 'Staying on the previous release',
  pending: 'Not started',
  waiting_for_window: 'Waiting for your maintenance window',
  updating: 'Updating',
  updated: 'Updated',
  rolled_back: 'Rolled back',
  restore_unconfirmed: 'Being restored: our engineers are confirming your systems',
};

const TARGET_STATE_LABELS: Record<TargetState, string> = {
  pending: 'Waiting',
  installing: 'Updating',
  installed: 'Updated',
  failed: 'Update failed',
  rolled_back: 'Rolled back',
  rollback_unverified: 'Rolled back, being checked',
  left_alone: 'Changed by another update since; left as it is',
};

/** One customer's view of one rollout, or null when the rollout does not concern them. */
export function toCustomerReleaseView(status: RolloutStatus, customerId: string): CustomerReleaseView | null {
  const customer = status.customers?.find((c) => c.id === customerId);
  if (!customer) return null;
  const release = toPublicRelease(status);
  const targets = new Map(status.targets.map((t) => [t.id, t.state] as const));
  const incident = [...(status.publicIncidents ?? [])].reverse().find((u) => u.affected.includes(customerId));
  return {
    release: { id: release.id, component: release.component, version: release.version, state: release.state, stateLabel: release.stateLabel, active: release.active },
    customerId: customer.id,
    customerName: customer.name,
    state: customer.state,
    stateLabel: CUSTOMER_STATE_LABELS[customer.state],
    step: customer.step ? publicStepLabel(customer.step) : null,
    targets: customer.targets.map((id) => {
      const state = targets.get(id) ?? 'pending';
      return { id, state, stateLabel: TARGET_STATE_LABELS[state] };
    }),
    window: customer.window ? { label: customer.window.label, opensAt: customer.window.opensAt, closesAt: customer.window.closesAt } : null,
    deferral: customer.deferral
      ? { until: customer.deferral.until, reason: customer.deferral.reason, at: customer.deferral.at, requestedBy: customer.deferral.by === `customer:${customerId}` ? 'you' : 'support' }
      : null,
    deferrableUntil: customer.deferrableUntil,
    canDefer: DEFERRABLE_RELEASE_STATES.includes(release.state) && WAITING_CUSTOMER_STATES.includes(customer.state),
    notices: customer.notices.map((n) => ({ kind: n.kind, at: n.at, outcome: n.outcome })),
    incident: incident && incident.state !== 'resolved' ? publicIncident(incident) : null,
  };
}
