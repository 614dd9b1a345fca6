/**
 * Release trains: a Temporal Schedule per train (`rampart schedule apply`) whose every run is a
 * trainRunWorkflow. The schedule carries the train's playbook, fleet, customers and escalation
 * policy as they were when it was applied; the channel is read at each run.
 */
import type { CustomersFileRef } from '../domain/customers';
import type { DrillMarker } from '../domain/drill';

export interface TrainRunInput {
  train: string;
  /** Absolute path of the release channel folder (app-<version>.tar.gz, each with its .sha256). */
  channel: string;
  playbook: unknown;
  fleet: unknown;
  escalation?: unknown;
  customers?: unknown;
  customersFile?: CustomersFileRef;
  /** What a run inside a freeze does (domain/train.ts); absent on schedules applied before freezes: skip. */
  duringFreeze?: 'skip' | 'defer';
  /** A game-day train: every run starts a drill rollout (domain/drill.ts) instead of a release. */
  drill?: DrillMarker;
}

/** An artifact of the channel left out of the choice, and why (bad digest, no manifest, a gate). */
export interface SkippedArtifact {
  file: string;
  reason: string;
}

export type TrainRunOutcome = 'released' | 'drilled' | 'nothing to release' | 'not started' | 'skipped: frozen';

export interface TrainRunResult {
  outcome: TrainRunOutcome;
  /** One line: what was released and how it ended, or why nothing was. */
  reason: string;
  version?: string;
  rolloutId?: string;
  /** The rollout's final state (completed, rolled_back, failed, ...). */
  rolloutState?: string;
  skipped: SkippedArtifact[];
}

/** Who a train's rollouts are started by. */
export function trainStarter(train: string): string {
  return `schedule:${train}`;
}
