import type { Target } from '../domain/fleet';
import type { GateResult } from '../domain/evaluateGate';
import type { Playbook } from '../domain/playbook';
import type { PlannedStep } from '../domain/planSteps';
import type { Release } from '../domain/release';
import type { StepState, TargetHealth } from '../domain/rolloutStatus';
import type { TargetSample, TargetSeen } from '../domain/metrics';
import { defineQuery, defineSignal } from '@temporalio/workflow';
import { z } from 'zod';

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
  /** Set when an earlier run of this step handed over by continue-as-new: where it got to. */
  carry?: StepCarry;
}

/** Where the health analysis stands between two windows, so the next run's first window is a real one. */
export interface AnalysisState {
  /** /metrics provider: each analysed target's counters at the last read. */
  previous: TargetSample[];
  /** Prometheus provider: where the current window began (workflow time) and what it last saw. */
  windowStart: number;
  seen: Record<string, TargetSeen> | null;
}

/**
 * What one run of a step hands to the next when its history grows long: everything the step has
 * done and decided, so the next run picks up exactly there (no target installed twice, no window
 * lost, the breach count kept).
 */
export interface StepCarry {
  phase: 'installing' | 'baking';
  /**
   * Every change so far as [targetId, version, previousVersion, at] (the step is this one): a
   * 5,000-target wave's records as objects outgrew Temporal's 2 MB payload limit. The targets
   * still to install are the step's targets not in here, in their order.
   */
  installed: [string, string, string | null, string][];
  failures: { targetId: string; error: string }[];
  lastGate: GateResult | null;
  health: Record<string, TargetHealth>;
  bake: { endsAt: number; breaches: number; extraWindows: number; analysis: AnalysisState } | null;
  /** How many runs came before this one. */
  handovers: number;
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
  /** Continue-as-new handovers so far: long bakes run as a chain of bounded histories. */
  handovers: number;
}

/** Parent to step child: what the on-call engineer asked for, as a whole, so order never matters. */
export const stepControlSchema = z.strictObject({
  paused: z.boolean(),
  halted: z.boolean(),
  promoted: z.boolean(),
});
export type StepControl = z.infer<typeof stepControlSchema>;
export const stepControlSignal = defineSignal<[StepControl]>('stepControl');
export const stepProgressQuery = defineQuery<StepProgress>('stepProgress');
