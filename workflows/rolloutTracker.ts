import type { RolloutEvent } from '../contract/timeline';
import type { Fleet } from '../domain/fleet';
import type { PlannedStep } from '../domain/planSteps';
import type {
  RolloutPhase,
  RolloutState,
  RolloutStatus,
  StepStatus,
  TargetStatus,
  TimelineEntry,
} from '../domain/rolloutStatus';
import type { RolloutInput } from '../domain/rolloutInput';
import type { NearMiss } from '../domain/incidentStatus';
import type { RollbackOutcome } from '../contract/rollback';
import type { StepResult } from '../contract/step';
import { isoNow } from './time';

/** The rollout's state as the on-call engineer sees it; every change lands on the timeline. */
export class RolloutTracker {
  readonly status: RolloutStatus;

  constructor(input: RolloutInput, fromVersion: string) {
    this.status = {
      rolloutId: input.rolloutId,
      playbook: '',
      method: '',
      version: input.release.version,
      fromVersion,
      state: 'running',
      phase: 'planning',
      step: null,
      wave: null,
      startedBy: input.startedBy,
      startedAt: isoNow(),
      endedAt: null,
      pausedBy: null,
      awaitingApproval: null,
      approvals: [],
      steps: [],
      targets: [],
      breaker: null,
      outcome: null,
      nearMisses: [],
      timeline: [],
    };
    this.note('started', { by: input.startedBy, reason: input.reason, detail: `version ${input.release.version}` });
  }

  note(event: RolloutEvent, extra: Omit<TimelineEntry, 'at' | 'event'> = {}): void {
    const entry: TimelineEntry = { at: isoNow(), event };
    for (const [key, value] of Object.entries(extra)) {
      if (value !== undefined) (entry as unknown as Record<string, unknown>)[key] = value;
    }
    this.status.timeline.push(entry);
  }

  nearMiss(kind: NearMiss['kind'], detail: string): void {
    this.status.nearMisses.push({ at: isoNow(), kind, detail });
    this.note('near miss', { detail });
  }

  setState(state: RolloutState): void {
    this.status.state = state;
  }

  setPhase(phase: RolloutPhase): void {
    this.status.phase = phase;
  }

  plan(playbookName: string, method: string, fleet: Fleet, steps: PlannedStep[]): void {
    this.status.playbook = playbookName;
    this.status.method = method;
    this.status.steps = steps.map<StepStatus>((s) => ({
      name: s.name, kind: s.kind, targets: s.targets, bakeMs: s.bakeMs,
      state: 'pending', startedAt: null, endedAt: null, lastGate: null,
    }));
    const stepOf = new Map(steps.flatMap((s) => s.targets.map((t) => [t, s.name] as const)));
    this.status.targets = fleet.targets.map<TargetStatus>((t) => ({
      id: t.id, step: stepOf.get(t.id) ?? null, version: fleet.version, previousVersion: null, state: 'pending', health: null,
    }));
  }

  /** What the targets really run; the most common version is the one the rollout moves away from. */
  recordVersions(versions: Record<string, string | null>): void {
    const counts = new Map<string, number>();
    for (const t of this.status.targets) {
      t.version = versions[t.id] ?? t.version;
      counts.set(t.version, (counts.get(t.version) ?? 0) + 1);
    }
    const [mostCommon] = [...counts.entries()].sort((a, b) => b[1] - a[1])[0] ?? [this.status.fromVersion];
    this.status.fromVersion = mostCommon;
  }

  stepStatus(name: string): StepStatus | undefined {
    return this.status.steps.find((s) => s.name === name);
  }

  enterStep(step: PlannedStep, waveIndex: number, waveCount: number): void {
    this.status.phase = step.kind;
    this.status.step = step.name;
    this.status.wave = step.kind === 'wave' ? { index: waveIndex, of: waveCount } : null;
    const s = this.stepStatus(step.name);
    if (s) {
      s.state = 'installing';
      s.startedAt = isoNow();
    }
    this.note('step started', { detail: `${step.name}: ${step.targets.length} target(s)` });
  }

  setStepState(name: string, state: StepStatus['state']): void {
    const s = this.stepStatus(name);
    if (s) s.state = state;
  }

  finishStep(name: string, result: StepResult): void {
    const s = this.stepStatus(name);
    if (s) {
      s.state = result.outcome === 'passed' ? 'passed' : result.outcome === 'breached' ? 'breached' : 'halted';
      s.endedAt = isoNow();
      s.lastGate = result.gate;
    }
    this.recordTargetChanges(result);
    const detail = result.reasons.length > 0 ? result.reasons.join('; ') : `${result.changes.length} target(s) updated`;
    this.note(`step ${result.outcome}` as const, { detail: `${name}: ${detail}` });
    if (result.nearMiss && result.outcome === 'passed') {
      this.nearMiss('gate-near-threshold', `${name}: health gate passed within 20% of a threshold`);
    }
  }

  /** What a step (or a customer's slot of one) changed, as soon as it is known. */
  recordTargetChanges(result: Pick<StepResult, 'changes' | 'health' | 'failures'>): void {
    for (const change of result.changes) {
      const t = this.target(change.targetId);
      if (t) Object.assign(t, { version: change.version, previousVersion: change.previousVersion, state: 'installed' });
    }
    for (const [id, seen] of Object.entries(result.health)) {
      const t = this.target(id);
      if (t) t.health = seen;
    }
    for (const failure of result.failures) {
      const t = this.target(failure.targetId);
      if (t) t.state = 'failed';
    }
  }

  /** Records each target's rollback; returns the one-line summary it put on the timeline. */
  recordRollback(outcomes: RollbackOutcome[]): string {
    for (const o of outcomes) {
      const t = this.target(o.targetId);
      if (!t) continue;
      t.version = o.version;
      t.state = o.verified ? 'rolled_back' : 'rollback_unverified';
      t.health = { up: o.verified, version: o.verified ? o.version : null, checkedAt: o.at };
    }
    const unverified = outcomes.filter((o) => !o.verified);
    const detail = unverified.length === 0
      ? `${outcomes.length} target(s) back on their previous version, each verified healthy`
      : `${unverified.length} target(s) not verified: ${unverified.map((o) => `${o.targetId} (${o.detail})`).join(', ')}`;
    this.note('rollback finished', { detail });
    return detail;
  }

  finish(result: NonNullable<RolloutStatus['outcome']>['result'], reason: string): void {
    const state: RolloutState = result === 'held' ? 'held' : result;
    this.status.state = state;
    this.status.outcome = { result, reason };
    if (result !== 'held') {
      this.status.phase = 'done';
      this.status.endedAt = isoNow();
    }
    this.note(result === 'held' ? 'held' : (`rollout ${result}` as const), { detail: reason });
  }

  private target(id: string): TargetStatus | undefined {
    return this.status.targets.find((t) => t.id === id);
  }
}
