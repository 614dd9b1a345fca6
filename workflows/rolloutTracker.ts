import { patched } from '@temporalio/workflow';
import type { RolloutEvent } from '../contract/timeline';
import type { CustomerRolloutStatus } from '../domain/customerRolloutStatus';
import type { Fleet } from '../domain/fleet';
import type { Playbook } from '../domain/playbook';
import type { PlannedStep } from '../domain/planSteps';
import type { Frozen, RolloutState, RolloutStatus, StepStatus, TargetStatus, TimelineEntry } from '../domain/rolloutStatus';
import { startedRolloutStatus } from '../domain/rolloutStatus';
import { withoutCustomerLists, withoutTargetLists } from '../domain/statusSummary';
import type { RolloutInput } from '../domain/rolloutInput';
import type { NearMiss } from '../domain/incidentStatus';
import type { LeaseAnswer } from '../contract/lease';
import type { RollbackOutcome } from '../contract/rollback';
import type { StepResult } from '../contract/step';
import { CustomerTracker, type Note } from './customerTracker';
import { FreezeTracker } from './freezeTracker';
import { nameList } from '../domain/nameList';
import { isoNow } from './time';
import { describeBreakGlass } from '../domain/breakGlass';
import { Listing, rolloutListing, trainOf } from './listing';
import { describeLessons, type Lessons } from '../domain/lessons';
import type { Pace } from '../domain/velocity';
import { isDrill } from './drill';

type ApprovalRule = Playbook['approvals'][number];

/**
 * The rollout's state as the on-call engineer sees it, written here and nowhere else: the rest of
 * the workflow says what happened (`paused`, `awaitingApproval`, `breakerTripped`, …) and the
 * tracker changes the status and notes the timeline entry. Everyone else reads `status`, frozen.
 * The customer fields are written by its CustomerTracker, through the same timeline.
 */
export class RolloutTracker {
  private readonly s: RolloutStatus;
  /** What `rampart rollout list` sees: shown again whenever the timeline grows or the state changes. */
  private readonly listing = new Listing();
  private readonly train: string | null;

  /** The freeze waits (workflows/freezeTracker.ts), written through the same timeline. */
  readonly freezes: FreezeTracker;

  constructor(input: RolloutInput, fromVersion: string) {
    this.train = trainOf(input);
    this.s = startedRolloutStatus({
      rolloutId: input.rolloutId,
      playbook: '',
      method: '',
      version: input.release.version,
      fromVersion,
      startedBy: input.startedBy,
      startedAt: isoNow(),
      targets: [],
      timeline: [],
    });
    this.freezes = new FreezeTracker(this.s, (event, extra) => this.note(event, extra), () => this.showListing());
    this.note('started', { by: input.startedBy, reason: input.reason, detail: `version ${input.release.version}` });
    // A timeline entry histories recorded before break-glass never had (none carries one in its input).
    // The start overrode change control: who asked, who approved, why and what.
    const b = input.breakGlass;
    if (b && patched('break-glass-start')) this.note('break-glass', { by: b.approver, reason: b.reason, detail: describeBreakGlass(b) });
    // A rehearsal: said in the status and the timeline, so nobody reads it as a release.
    if (input.drill && isDrill(input)) {
      this.s.drill = { ...input.drill };
      this.note('drill', { detail: `game day, scenario ${input.drill.scenario}: pages marked [DRILL], customers not told, nothing quarantined` });
    }
  }

  get status(): Frozen<RolloutStatus> {
    return this.s;
  }

  /** The status as queries and the final result give it: see RolloutStatus.targetSummary and customerSummary. */
  answer(): RolloutStatus {
    return withoutCustomerLists(withoutTargetLists(this.s));
  }

  /** The status narrowed to one customer: what their portal page reads, whatever the rollout's size. */
  customerView(customerId: string): RolloutStatus {
    const customers = this.s.customers?.filter((c) => c.id === customerId) ?? null;
    const publicIncidents = this.s.publicIncidents?.map((u) => ({ ...u, affected: u.affected.filter((id) => id === customerId), affectedCount: u.affected.length })) ?? null;
    return { ...withoutTargetLists(this.s), customers, publicIncidents };
  }

  /** Notes an entry of the timeline; `by` is only set when someone did it. */
  private note(event: RolloutEvent, extra: Parameters<Note>[1] = {}): void {
    const entry: TimelineEntry = { at: isoNow(), event };
    for (const [key, value] of Object.entries(extra)) {
      if (value !== undefined) (entry as unknown as Record<string, unknown>)[key] = value;
    }
    this.s.timeline.push(entry);
    this.showListing();
  }

  private showListing(): void {
    this.listing.show(rolloutListing(this.s, this.train));
  }

  /** A Signal sent to the rollout broke its schema and was dropped: nothing else changed. */
  messageDropped(detail: string): void {
    this.note('message dropped', { detail });
  }

  // --- planning ---------------------------------------------------------------------------------

  /** The playbook and fleet passed the planning checks: `stepCount` steps before customers are placed. */
  planChecked(playbook: Playbook, stepCount: number): void {
    this.s.playbook = playbook.name;
    this.s.method = playbook.method;
    this.note('planning checks passed', {
      detail: `${playbook.method} rollout in ${stepCount} step(s); risk ${playbook.planning.riskAssessment.level}`,
    });
  }

  /** The risk level's pace (planning.velocity), applied to the plan. */
  paced(pace: Pace): void {
    this.s.pace = pace;
    if (pace.bakeFactor !== 1 || pace.extraApprovals !== 0) {
      this.note('risk pace set', { detail: `risk ${pace.level}: bake times x${pace.bakeFactor}, ${pace.extraApprovals} more approval(s) at the start` });
    }
  }

  /** What the last release reports of the playbook left for this one (its planning note). */
  lessonsRead(lessons: Lessons): void {
    this.s.lessons = lessons;
    this.note('lessons from earlier releases', { detail: describeLessons(lessons) + (lessons.extraApproval ? `; ${lessons.extraApproval}` : '') });
  }

  reportWritten(path: string, interim: boolean): void {
    this.s.releaseReport = { path, interim };
    if (!interim) this.note('release report written', { detail: path });
  }

  reportFailed(why: string): void {
    this.note('release report failed', { detail: why });
  }

  /** What the targets really run; the most common version is the one the rollout moves away from. */
  versionsRead(fleet: Fleet, versions: Record<string, string | null>): void {
    this.s.targets = fleet.targets.map<TargetStatus>((t) => ({
      id: t.id, step: null, version: versions[t.id] ?? fleet.version, previousVersion: null, state: 'pending', health: null,
    }));
    const counts = new Map<string, number>();
    for (const t of this.s.targets) counts.set(t.version, (counts.get(t.version) ?? 0) + 1);
    const [mostCommon] = [...counts.entries()].sort((a, b) => b[1] - a[1])[0] ?? [this.s.fromVersion];
    this.s.fromVersion = mostCommon;
  }

  /** The plan the rollout follows (or, when placing customers failed, the one that was checked). */
  planned(steps: PlannedStep[]): void {
    this.s.steps = steps.map<StepStatus>((s) => ({
      name: s.name, kind: s.kind, targets: s.targets, bakeMs: s.bakeMs,
      state: 'pending', startedAt: null, endedAt: null, lastGate: null,
    }));
    const stepOf = new Map(steps.flatMap((s) => s.targets.map((t) => [t, s.name] as const)));
    for (const t of this.s.targets) t.step = stepOf.get(t.id) ?? null;
  }

  verifying(): void {
    this.s.phase = 'verification';
  }

  artifactVerified(sha256: string, bytes: number): void {
    this.note('artifact verified', { detail: `sha256 ${sha256} (${bytes} bytes)` });
  }

  // --- the fleet lease ---------------------------------------------------------------------------

  /** Another rollout holds (or waits for) some of these targets: this one waits in line, touching nothing. */
  leaseQueued(answer: LeaseAnswer): void {
    if (this.s.state === 'running') this.s.state = 'queued';
    const behind = answer.blockers.map((b) => `${b.rolloutId} (${b.queued ? 'waiting for' : 'holding'} ${b.overlap} of its targets)`);
    this.note('queued for lease', { detail: `fleet ${answer.fleet}: waiting behind ${behind.join(', ')}; starts when they end` });
  }

  leaseGranted(answer: LeaseAnswer): void {
    if (this.s.state === 'queued') this.s.state = 'running';
    this.note('lease granted', { detail: `fleet ${answer.fleet}: its turn; every target is this rollout's to change` });
  }

  /** Leases of rollouts that ended without giving them back, now this one's. */
  leaseTakenOver(answer: LeaseAnswer): void {
    for (const t of answer.takenOver) {
      this.note('lease taken over', { detail: `fleet ${answer.fleet}: from rollout ${t.rolloutId}, which is ${t.state} and had not released it` });
    }
  }

  // --- approvals and commands -------------------------------------------------------------------

  awaitingApproval(stepName: string, rule: ApprovalRule): void {
    this.s.awaitingApproval = { step: stepName, needed: rule.count, approvers: rule.approvers ?? null, excludeStarter: rule.excludeStarter };
    this.s.state = 'awaiting_approval';
    this.note('awaiting approval', { detail: `${stepName}: ${rule.count} approval(s) needed` });
  }

  approved(stepName: string, by: string, reason: string | undefined): void {
    this.s.approvals.push({ step: stepName, by, at: isoNow(), reason });
    this.note('approved', { by, reason, detail: stepName });
  }

  /** The approval wait is over (approved, or a stop cut it short). */
  approvalClosed(paused: boolean): void {
    this.s.awaitingApproval = null;
    if (this.s.state === 'awaiting_approval') this.s.state = paused ? 'paused' : 'running';
    this.showListing();
  }

  paused(by: string, reason: string | undefined): void {
    this.s.pausedBy = by;
    if (this.s.state === 'running' || this.s.state === 'frozen') this.s.state = 'paused';
    this.note('paused', { by, reason });
  }

  resumed(by: string, reason: string | undefined): void {
    this.s.pausedBy = null;
    if (this.s.state === 'paused' || this.s.state === 'held') this.s.state = 'running';
    this.note('resumed', { by, reason });
  }

  promoted(by: string, reason: string | undefined): void {
    this.note('promoted', { by, reason, detail: `${this.s.step}: bake time cut short` });
  }

  stopping(by: string, reason: string | undefined, then: 'rollback' | 'hold'): void {
    this.s.state = 'stopping';
    this.note('emergency stop', { by, reason, detail: `then ${then}` });
  }

  rollbackRequested(by: string, reason: string | undefined): void {
    this.note('rollback requested', { by, reason });
  }

  // --- steps ------------------------------------------------------------------------------------

  stepStarted(step: PlannedStep, waveIndex: number, waveCount: number): void {
    this.s.phase = step.kind;
    this.s.step = step.name;
    this.s.wave = step.kind === 'wave' ? { index: waveIndex, of: waveCount } : null;
    const s = this.stepStatus(step.name);
    if (s) {
      s.state = 'installing';
      s.startedAt = isoNow();
    }
    this.note('step started', { detail: `${step.name}: ${step.targets.length} target(s)` });
  }

  /** A breached step is judged again after a resume: fresh windows over its bake, nothing installed. */
  regating(stepName: string, candidates: number): void {
    this.s.step = stepName;
    this.setStepState(stepName, 'baking');
    this.note('step re-gating', { detail: `${stepName}: fresh health windows over its bake on ${candidates} changed target(s) before any new target` });
  }

  /** The step waits for its customers' maintenance windows. */
  waitingForWindows(stepName: string): void {
    this.setStepState(stepName, 'waiting_for_window');
  }

  /** Customers' window opened (theirs all at the same moment): their part of the step installs now. */
  customerWindowOpen(stepName: string, customerIds: string[], slotLabel: string): void {
    this.setStepState(stepName, 'installing');
    this.note('customer window open', { detail: `${nameList(customerIds)}: ${slotLabel}` });
  }

  stepEnded(name: string, result: StepResult): void {
    const s = this.stepStatus(name);
    if (s) {
      s.state = result.outcome === 'passed' ? 'passed' : result.outcome === 'breached' ? 'breached' : 'halted';
      s.endedAt = isoNow();
      s.lastGate = result.gate;
    }
    this.targetsChanged(result);
    const detail = result.reasons.length > 0 ? result.reasons.join('; ') : `${result.changes.length} target(s) updated`;
    this.note(`step ${result.outcome}` as const, { detail: `${name}: ${detail}` });
    if (result.nearMiss && result.outcome === 'passed') {
      this.nearMiss('gate-near-threshold', `${name}: health gate passed within 20% of a threshold`);
    }
  }

  /** What a step (or a customer's slot of one) changed, as soon as it is known. */
  targetsChanged(result: Pick<StepResult, 'changes' | 'health' | 'failures'>): void {
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

  // --- breaker, degrade, incident ---------------------------------------------------------------

  breakerTripped(stepName: string, result: StepResult): void {
    this.s.breaker = { step: stepName, reasons: result.reasons, gate: result.gate };
    this.note('breaker tripped', { detail: `${stepName}: ${result.reasons.join('; ')}` });
  }

  /** The breaker quarantined the version: no later rollout, scheduled or not, starts it. */
  versionQuarantined(version: string): void {
    this.note('version quarantined', { detail: `${version}: no rollout may start it until someone lifts the quarantine (rampart release unquarantine)` });
  }

  degrading(feature: string, targetCount: number, when?: string): void {
    this.note('degrading', { detail: `switching ${feature} off on ${targetCount} target(s)${when ? ` ${when}` : ''}` });
  }

  degradeFailed(feature: string, failedTargets: string[]): void {
    this.note('degrade failed', { detail: `could not switch ${feature} off on ${failedTargets.join(', ')}` });
  }

  /** One analysis window after the feature went off: healthy again, or still breaching. */
  degradeJudged(feature: string, healthy: boolean, reasons: string[]): void {
    this.note(healthy ? 'degraded' : 'degrade did not help', {
      detail: healthy ? `${feature} off: health recovered` : `${feature} off, still: ${reasons.join('; ')}`,
    });
  }

  incidentOpened(incidentId: string, joined: boolean): void {
    this.note(joined ? 'incident joined' : 'incident opened', { detail: incidentId });
  }

  /** A later breaker trip (or an unverified rollback) reported into the incident still open. */
  incidentUpdated(incidentId: string, note: string): void {
    this.note('incident updated', { detail: `${incidentId}: ${note}` });
  }

  incidentNotOpened(why: string): void {
    this.note('incident not opened', { detail: why });
  }


  // --- hold, rollback, the end ------------------------------------------------------------------

  /** Stopped with hold, or a breach that pauses: targets stay as they are until a human decides. */
  held(reason: string): void {
    this.finish('held', reason);
  }

  /** A held rollout resumes; `liftedStop`: who had stopped it, when an emergency stop is lifted. */
  holdLifted(liftedStop: string | undefined | null, paused: boolean): void {
    if (liftedStop !== null) this.nearMiss('stop-cancelled', `emergency stop by ${liftedStop} was lifted: the rollout resumed`);
    this.s.outcome = null;
    this.s.state = paused ? 'paused' : 'running';
    this.showListing();
  }

  rollingBack(reason: string, by: string | undefined): void {
    this.s.state = 'rolling_back';
    this.s.phase = 'rollback';
    this.note('rolling back', { by, detail: reason });
  }

  /** Records each target's rollback; returns the one-line summary it put on the timeline. */
  targetsRolledBack(outcomes: RollbackOutcome[]): string {
    const leftAlone = outcomes.filter((o) => o.leftAlone);
    for (const o of outcomes) {
      const t = this.target(o.targetId);
      if (!t) continue;
      t.version = o.version;
      if (o.leftAlone) {
        t.state = 'left_alone';
        continue;
      }
      t.state = o.verified ? 'rolled_back' : 'rollback_unverified';
      t.health = { up: o.verified, version: o.verified ? o.version : null, checkedAt: o.at };
    }
    for (const o of leftAlone) this.note('left alone', { detail: `${o.targetId}: ${o.detail}` });
    const reverted = outcomes.filter((o) => !o.leftAlone);
    const unverified = reverted.filter((o) => !o.verified);
    const detail = (unverified.length === 0
      ? `${reverted.length} target(s) back on their previous version, each verified healthy`
      : `${unverified.length} target(s) not verified: ${unverified.map((o) => `${o.targetId} (${o.detail})`).join(', ')}`)
      + (leftAlone.length > 0 ? `; ${leftAlone.length} left alone, changed since by someone else: ${leftAlone.map((o) => `${o.targetId} on ${o.version}`).join(', ')}` : '');
    this.note('rollback finished', { detail });
    return detail;
  }

  /** The rollback ran but left targets unverified: the rollout ends, not rolled back, naming them. */
  rollbackIncomplete(reason: string, unverified: string[]): void {
    this.finish('rollback_incomplete', `${reason}; rollback not verified on ${unverified.join(', ')}`);
  }

  completed(reason: string): void {
    this.finish('completed', reason);
  }

  rolledBack(reason: string): void {
    this.finish('rolled_back', reason);
  }

  failed(reason: string): void {
    this.finish('failed', reason);
  }

  private finish(result: NonNullable<RolloutStatus['outcome']>['result'], reason: string): void {
    const state: RolloutState = result === 'held' ? 'held' : result;
    this.s.state = state;
    this.s.outcome = { result, reason };
    if (result !== 'held') {
      this.s.phase = 'done';
      this.s.endedAt = isoNow();
    }
    this.note(result === 'held' ? 'held' : (`rollout ${result}` as const), { detail: reason });
  }

  // --- the customer side ------------------------------------------------------------------------

  /** A customers file came with the rollout: its customers' part of the status is written by the returned tracker. */
  customersJoined(component: string, customers: CustomerRolloutStatus[]): CustomerTracker {
    this.s.component = component;
    this.s.customers = customers;
    this.s.notices = { sent: 0, suppressed: 0, held: 0, batched: 0, failed: 0 };
    this.s.publicIncidents = [];
    return new CustomerTracker(this.s.version, customers, this.s.notices, this.s.publicIncidents, (event, extra) => this.note(event, extra));
  }

  // --- helpers ----------------------------------------------------------------------------------

  private nearMiss(kind: NearMiss['kind'], detail: string): void {
    this.s.nearMisses.push({ at: isoNow(), kind, detail });
    this.note('near miss', { detail });
  }

  private setStepState(name: string, state: StepStatus['state']): void {
    const s = this.stepStatus(name);
    if (s) s.state = state;
  }

  private stepStatus(name: string): StepStatus | undefined {
    return this.s.steps.find((s) => s.name === name);
  }

  /** By id, since a step reports thousands of targets at once: a scan per target is quadratic. */
  private targetIndex = { of: [] as TargetStatus[], byId: new Map<string, TargetStatus>() };

  private target(id: string): TargetStatus | undefined {
    const { targets } = this.s;
    if (this.targetIndex.of !== targets || this.targetIndex.byId.size !== targets.length) {
      this.targetIndex = { of: targets, byId: new Map(targets.map((t) => [t.id, t])) };
    }
    return this.targetIndex.byId.get(id);
  }

}
