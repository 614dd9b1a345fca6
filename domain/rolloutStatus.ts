import type { DrillMarker } from './drill';
import type { GateResult } from './evaluateGate';
import type { StepKind } from './planSteps';
import type { Lessons } from './lessons';
import type { Pace } from './velocity';
import type { NearMiss, TimelineEntry } from './timeline';

export type { NearMiss, TimelineEntry } from './timeline';
import type { CustomerRolloutStatus, CustomerState, NoticeTotals } from './customerRolloutStatus';

export type RolloutState =
  | 'queued'
  | 'running'
  | 'awaiting_approval'
  | 'paused'
  | 'stopping'
  | 'held'
  /** Waiting at a step boundary for a freeze to end (status.frozen says which and until when). */
  | 'frozen'
  | 'rolling_back'
  | 'completed'
  | 'rolled_back'
  /** The rollback ran, but some target could not be verified back on its previous version: on-call must look. */
  | 'rollback_incomplete'
  | 'failed'
  /**
   * Ended behind Rampart's back (`temporal workflow terminate`, cancel, a run timeout): the
   * workflow never wrote these itself; the client reads them from the execution (`interrupted`).
   */
  | InterruptedState;

export type InterruptedState = 'terminated' | 'cancelled' | 'timed_out';

export const FINAL_STATES: readonly RolloutState[] = ['completed', 'rolled_back', 'rollback_incomplete', 'failed', 'terminated', 'cancelled', 'timed_out'];

/**
 * How a rollout's execution ended when its own code did not end it: who ended it and why, as far
 * as Temporal recorded it, and the state the rollout last reported before that.
 */
export interface Interruption {
  how: InterruptedState | 'failed';
  at: string;
  /** The identity of whoever terminated or cancelled it (the Temporal client's), when recorded. */
  by: string | null;
  reason: string | null;
  /** What the workflow last said it was doing ("running" at wave-1, ...). */
  lastState: RolloutState;
  /** No worker answered for the closed workflow: steps and targets are only what its input says. */
  fromInputOnly?: true;
}

/** A `rollout recover` of an interrupted rollout: who asked, why, and how far it got. */
export interface RecoverySummary {
  state: 'rolling_back' | 'rolled_back' | 'rollback_incomplete';
  by: string;
  reason: string;
  startedAt: string;
  endedAt: string | null;
  /** One line per target, once it ended. */
  outcomes: { targetId: string; version: string; verified: boolean; detail: string }[];
  /** Set when the recovery itself did not run to its end (terminated, cancelled, failed). */
  note?: string;
}

export type RolloutPhase = 'planning' | 'verification' | StepKind | 'rollback' | 'done';

export type TargetState = 'pending' | 'installing' | 'installed' | 'failed' | 'rolled_back' | 'rollback_unverified' | 'left_alone';

export interface TargetHealth {
  up: boolean;
  version: string | null;
  checkedAt: string;
}

export interface TargetStatus {
  id: string;
  step: string | null;
  version: string;
  previousVersion: string | null;
  state: TargetState;
  health: TargetHealth | null;
}

export type StepState = 'pending' | 'awaiting_approval' | 'waiting_for_window' | 'installing' | 'baking' | 'awaiting_cutover' | 'passed' | 'breached' | 'halted';

export interface StepStatus {
  name: string;
  kind: StepKind;
  targets: string[];
  bakeMs: number;
  state: StepState;
  startedAt: string | null;
  endedAt: string | null;
  lastGate: GateResult | null;
}


export interface Approval {
  step: string;
  by: string;
  at: string;
  reason?: string;
}

/** A rollout waiting at a step boundary: before which step, for which freezes, until when (the latest end). */
export interface FrozenWait {
  step: string;
  until: string;
  freezes: Array<{ name: string; reason: string; until: string; untilLocal: string; timeZone: string }>;
}

export interface RolloutStatus {
  rolloutId: string;
  playbook: string;
  method: string;
  version: string;
  fromVersion: string;
  state: RolloutState;
  phase: RolloutPhase;
  step: string | null;
  wave: { index: number; of: number } | null;
  startedBy: string;
  startedAt: string;
  endedAt: string | null;
  pausedBy: string | null;
  awaitingApproval: { step: string; needed: number; approvers: string[] | null; excludeStarter: boolean } | null;
  approvals: Approval[];
  steps: StepStatus[];
  targets: TargetStatus[];
  breaker: { step: string; reasons: string[]; gate: GateResult | null } | null;
  outcome: { result: 'completed' | 'rolled_back' | 'rollback_incomplete' | 'held' | 'failed'; reason: string } | null;
  /** Things that went almost wrong: worth a look in the next plan. */
  nearMisses: NearMiss[];
  /** Where its release report was last written (`interim` while held); absent before patch release-report. */
  releaseReport?: { path: string; interim: boolean };
  /** Set while the rollout waits at a step boundary for freezes to end; absent before freezes existed. */
  frozen?: FrozenWait | null;
  /** Read at planning from the last release reports of the playbook (set since patch release-report). */
  lessons?: Lessons;
  /** The pace the risk level set (planning.velocity): bake factor and extra start approvals (set since patch release-report). */
  pace?: Pace;
  timeline: TimelineEntry[];
  /** Set when the execution ended behind Rampart's back (terminated, cancelled, timed out, failed). */
  interrupted?: Interruption;
  /** Set once `rollout recover` began on the interrupted rollout. */
  recovery?: RecoverySummary;
  /** Set for a drill (domain/drill.ts): a rehearsal, not a release. */
  drill?: DrillMarker;
  /**
   * Set only for a fleet above 5,000 targets (RESULT_TARGETS_LIMIT): the per-target lists
   * (targets, steps[].targets) are left out of the status and the final result, which would pass
   * Temporal's 2 MB payload limit, and these counts stand in for them. Each step's own workflow
   * still has its targets' changes (`stepProgress`).
   */
  targetSummary?: { total: number; byVersion: Record<string, number>; byState: Partial<Record<TargetState, number>> };
  /**
   * Set only for a rollout with more than 1,000 customers (RESULT_CUSTOMERS_LIMIT): `customers`
   * is then empty, the incident updates' `affected` lists too (`affectedCount` says how many),
   * and these counts stand in. One customer's full record: the `customerView` query.
   */
  customerSummary?: { total: number; byState: Partial<Record<CustomerState, number>>; byStep: Record<string, number> };
  // The customer side: always present; all four null when the rollout was started without a
  // customers file (readers then show no customer section), all four set together when it was.
  /** What customers know the software as (playbook customers.component). */
  component: string | null;
  /** Where each customer stands. */
  customers: CustomerRolloutStatus[] | null;
  /** Every notice the customers were (or were not) sent, counted. */
  notices: NoticeTotals | null;
  /** Customer-facing incident updates, in order; what the status portal shows. */
  publicIncidents: PublicIncidentUpdate[] | null;
}

export interface PublicIncidentUpdate {
  at: string;
  state: 'investigating' | 'rolling_back' | 'monitoring' | 'resolved';
  /** Plain words for customers: no host names, no people, no internal numbers. */
  message: string;
  /** Customer ids affected; the public page shows only how many. */
  affected: string[];
  /** How many were affected, when `affected` is left out of a large rollout's status (customerSummary). */
  affectedCount?: number;
  nextUpdateAt: string | null;
}

/** A status (or part of one) as readers inside the workflow see it: read, never written. */
export type Frozen<T> = T extends (infer U)[] ? readonly Frozen<U>[] : T extends object ? { readonly [K in keyof T]: Frozen<T[K]> } : T;

/** A rollout as it stands when started: what its tracker starts from, and what a closed rollout's input alone can show. */
export function startedRolloutStatus(start: Pick<RolloutStatus, 'rolloutId' | 'playbook' | 'method' | 'version' | 'fromVersion' | 'startedBy' | 'startedAt' | 'targets' | 'timeline'>): RolloutStatus {
  return {
    ...start,
    state: 'running',
    phase: 'planning',
    step: null,
    wave: null,
    endedAt: null,
    pausedBy: null,
    awaitingApproval: null,
    approvals: [],
    steps: [],
    breaker: null,
    outcome: null,
    nearMisses: [],
    component: null,
    customers: null,
    notices: null,
    publicIncidents: null,
  };
}
