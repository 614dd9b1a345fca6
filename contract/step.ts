import type { Target } from '../domain/fleet';
import type { GateResult } from '../domain/evaluateGate';
import type { Playbook } from '../domain/playbook';
import type { PlannedStep } from '../domain/planSteps';
import type { Release } from '../domain/release';
import type { StepState, TargetHealth } from '../domain/rolloutStatus';
import { defineQuery, defineSignal } from '@temporalio/workflow';

export interface StepInput {
  rolloutId: string;
  step: PlannedStep;
  /** The step's own targets, in install order. */
  targets: Target[];
  /** Targets already on the new version from earlier steps: part of the candidate group. */
  earlierCandidates: Target[];
  /** Targets still on the old version: the baseline the candidates are compared with. */
  baseline: Target[];
  release: Release;
  health: Playbook['health'];
  control: StepControl;
  /** Parallel installs: the step ends only on a human's promote (the cut-over), never by the clock alone. */
  requirePromote: boolean;
}

export interface TargetChangeRecord {
  targetId: string;
  step: string;
  version: string;
  previousVersion: string | null;
  at: string;
}

export interface StepResult {
  outcome: 'passed' | 'breached' | 'halted';
  /** Every target this step changed, in the order the changes completed. */
  changes: TargetChangeRecord[];
  failures: { targetId: string; error: string }[];
  reasons: string[];
  gate: GateResult | null;
  nearMiss: boolean;
  /** Each analysed target as the last health read saw it. */
  health: Record<string, TargetHealth>;
}

export interface StepProgress {
  step: string;
  state: StepState;
  installing: string[];
  changes: TargetChangeRecord[];
  failures: { targetId: string; error: string }[];
  lastGate: GateResult | null;
  bakeEndsAt: string | null;
  health: Record<string, TargetHealth>;
}

/** Parent to step child: what the on-call engineer asked for, as a whole, so order never matters. */
export interface StepControl {
  paused: boolean;
  halted: boolean;
  promoted: boolean;
}
export const stepControlSignal = defineSignal<[StepControl]>('stepControl');
export const stepProgressQuery = defineQuery<StepProgress>('stepProgress');
