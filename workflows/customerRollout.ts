import { condition, patched } from '@temporalio/workflow';
import { customerStepName } from '../contract/ids';
import { inBatches } from '../domain/batches';
import { assignCustomers, type CustomerAssignment } from '../domain/customerAssignment';
import type { MaintenanceSlot } from '../domain/customerNotice';
import type { CustomerRolloutStatus } from '../domain/customerRolloutStatus';
import type { Frozen } from '../domain/rolloutStatus';
import type { Customer, CustomerArg, CustomersFileRef, RosterEntry } from '../domain/customers';
import { formatDuration } from '../domain/duration';
import { customerPlanSchema, SECURITY_FIX_DEFAULT_DEFERRAL_MS, type CustomerPlan, type Playbook } from '../domain/playbook';
import type { PlannedStep } from '../domain/planSteps';
import type { StepResult } from '../contract/step';
import { CUSTOMER_BATCH, customerSchedule } from './customerActivities';
import { CustomerIncidents } from './customerIncidents';
import { CustomerNotifier } from './customerNotifier';
import type { CustomerTracker } from './customerTracker';
import type { RolloutControls } from './rolloutCommands';
import type { RolloutTracker } from './rolloutTracker';
import { isoAt } from './time';

/** One customer's place in the current step: when they are told, when their window opens. */
interface Booking {
  customer: RosterEntry;
  targets: string[];
  noticeAt: number;
  slot: MaintenanceSlot;
  noticeSent: boolean;
  done: boolean;
}

export type SlotRunner = (name: string, targets: string[]) => Promise<StepResult>;

/**
 * The customer side of a rollout: Early Access in the canary, Stable in the waves, N-1 pinned
 * customers left alone; each customer updated only inside their maintenance window, after a
 * pre-deployment notice, unless they deferred; told when it is done or when something went wrong.
 */
export class CustomerRollout {
  readonly customers: Map<string, RosterEntry>;
  readonly notifier: CustomerNotifier;
  readonly incidents: CustomerIncidents;
  readonly plan: CustomerPlan;
  /** This side's part of the rollout's status. */
  readonly status: CustomerTracker;
  /** Customers whose deferral arrived while their step was waiting: their booking must be redone. */
  private readonly rebook = new Set<string>();
  private activeStep: string | null = null;
  private readonly security: boolean;
  private readonly allowance: (c: RosterEntry) => number;
  private readonly owners = new Map<string, RosterEntry>();
  /**
   * Rollouts started since patch customer-batches book and notify customers in batches and
   * update all customers whose window opens at the same moment together, in one slot: history
   * grows per batch and per window, not per customer, so 10,000 customers stay within bounds.
   */
  private readonly batched: boolean;

  /**
   * `file`: the customers, whole when the file came in the input; as roster entries when it went
   * by reference (`customersFile`), whose activities then read each customer by id.
   */
  constructor(private readonly file: { customers: RosterEntry[] }, private readonly customersFile: CustomersFileRef | undefined, playbook: Playbook, private readonly tracker: RolloutTracker, private readonly controls: RolloutControls, releaseNotes: string) {
    const status = tracker.status;
    this.plan = playbook.customers ?? customerPlanSchema.parse({});
    this.security = playbook.cadence === 'security-fix';
    this.batched = patched('customer-batches');
    const cap = this.plan.maxDeferral ?? (this.security ? SECURITY_FIX_DEFAULT_DEFERRAL_MS : Infinity);
    this.allowance = (c) => Math.min(c.maxDeferral, cap);
    this.customers = new Map(file.customers.map((c) => [c.id, c]));
    // The customers file gives each target one owner at most (customersFileSchema).
    for (const c of file.customers) for (const t of c.targets) this.owners.set(t, c);
    this.status = tracker.customersJoined(this.plan.component, file.customers.map<CustomerRolloutStatus>((c) => ({
      id: c.id, name: c.name, channel: c.channel, timeZone: c.timeZone, step: null, targets: c.targets,
      state: 'pending', waitingFor: null, window: null, deferral: null,
      deferrableUntil: isoAt(Date.parse(status.startedAt) + this.allowance(c)), notices: [],
    })));
    const work: Promise<void>[] = [];
    this.notifier = new CustomerNotifier(status.rolloutId, this.customers, this.status, {
      release: status.version,
      fromVersion: status.fromVersion,
      component: this.plan.component,
      releaseNotes,
      security: this.security,
      expectedImpact: this.plan.expectedImpact,
      expectedDowntime: this.plan.expectedDowntime,
      reportProblem: this.plan.reportProblem,
      ...(this.plan.portalUrl ? { portalUrl: this.plan.portalUrl } : {}),
    }, this.batched, customersFile);
    this.incidents = new CustomerIncidents(this.status, this.notifier, this.plan.incidentUpdateEvery, (p) => work.push(p));
    this.settleIncidents = async () => {
      while (work.length > 0) await Promise.all(work.splice(0));
    };
  }

  private readonly settleIncidents: () => Promise<void>;

  state(id: string): Frozen<CustomerRolloutStatus> {
    return this.status.find(id) as Frozen<CustomerRolloutStatus>;
  }

  /** After the running versions are known: who is pinned, who goes where. */
  assign(fleetTargetIds: string[], running: Record<string, string | null>): CustomerAssignment<RosterEntry> {
    const assignment = assignCustomers(this.file, fleetTargetIds, this.tracker.status.version, running);
    this.notifier.setFromVersion(this.tracker.status.fromVersion);
    this.status.pinned(assignment.pinned.map((c) => c.id));
    return assignment;
  }

  involves(step: PlannedStep): boolean {
    return step.targets.some((t) => this.ownerOf(t) !== undefined);
  }

  ownerOf(targetId: string): RosterEntry | undefined {
    const c = this.owners.get(targetId);
    return c && this.state(c.id).state !== 'pinned' ? c : undefined;
  }

  /** Validator of the defer Update: a reason the request cannot be honoured, or null. */
  deferProblem(customerId: string, until: string): string | null {
    const s = this.status.find(customerId);
    if (!s) return `customerId: no customer "${customerId}" in this rollout`;
    if (s.state === 'pinned') return `${customerId} is pinned to the previous release line: this rollout does not update them`;
    if (s.state !== 'pending' && s.state !== 'waiting_for_window') return `${customerId}'s update has already ${s.state === 'updating' ? 'started' : 'happened'}; it cannot be deferred now`;
    if (Date.parse(until) <= Date.now()) return 'until: must be in the future';
    if (Date.parse(until) > Date.parse(s.deferrableUntil)) {
      const what = this.security ? 'this security fix' : 'this update';
      return `until: ${customerId} may defer ${what} until ${s.deferrableUntil} at the latest (allowance ${formatDuration(this.allowance(this.customers.get(customerId) as RosterEntry))})`;
    }
    return null;
  }

  /** Records a deferral; when their step is already waiting, answers once the new booking is made. */
  async defer(customerId: string, until: string, by: string, reason: string | undefined): Promise<string> {
    const s = this.state(customerId);
    this.status.deferred(customerId, until, by, reason);
    if (s.step !== null && s.step === this.activeStep) {
      this.rebook.add(customerId);
      await condition(() => !this.rebook.has(customerId) || s.state !== 'waiting_for_window');
      if (s.window) return `${customerId} deferred until ${until}; their update is rescheduled to ${s.window.label}`;
    }
    return `${customerId} deferred until ${until}; their update goes in the first maintenance window after it`;
  }

  /**
   * The customers' part of a step: book each customer (pre-deployment notice time and window),
   * then work through the bookings in time order, installing each customer's targets in their own
   * window. Deferrals arriving meanwhile rebook that customer. Ends early on a breach or a halt.
   */
  private async runCustomerSlots(step: PlannedStep, changed: Set<string>, runSlot: SlotRunner): Promise<StepResult[]> {
    this.activeStep = step.name;
    const bookings: Booking[] = [];
    const owners = new Map<string, string[]>();
    for (const id of step.targets) {
      const owner = this.ownerOf(id);
      if (owner && !changed.has(id)) owners.set(owner.id, [...(owners.get(owner.id) ?? []), id]);
    }
    if (this.batched) {
      const booked = await this.bookAll([...owners.keys()]);
      [...owners].forEach(([id, targets], i) => bookings.push({ customer: this.customers.get(id) as RosterEntry, targets, noticeSent: false, done: false, ...booked[i]! }));
    } else {
      await Promise.all([...owners].map(async ([id, targets]) => {
        bookings.push({ customer: this.customers.get(id) as RosterEntry, targets, noticeSent: false, done: false, ...(await this.book(id)) });
      }));
    }
    bookings.sort((a, b) => a.customer.id.localeCompare(b.customer.id));
    const results: StepResult[] = [];
    for (;;) {
      const open = bookings.filter((b) => !b.done);
      if (open.length === 0) break;
      const dueAt = (b: Booking) => (b.noticeSent ? Date.parse(b.slot.opensAt) : b.noticeAt);
      const next = open.reduce((a, b) => (dueAt(b) < dueAt(a) ? b : a));
      const wait = dueAt(next) - Date.now();
      this.tracker.waitingForWindows(step.name);
      if (wait > 0) await condition(() => this.controls.halted || this.rebook.size > 0, wait);
      if (this.controls.halted) break;
      if (this.rebook.size > 0) {
        for (const b of open.filter((o) => this.rebook.has(o.customer.id))) await this.rebookAfterChange(b, 'deferred at your request');
        this.rebook.clear();
        continue;
      }
      if (dueAt(next) > Date.now()) continue;
      if (!next.noticeSent) {
        // Everyone due to be told by now is told at once: their notices leave in batches.
        for (const b of this.batched ? open.filter((o) => !o.noticeSent && o.noticeAt <= Date.now()) : [next]) {
          b.noticeSent = true;
          this.preDeploymentNotice(b);
        }
        continue;
      }
      // Paused at the window: wait, but a deferral meanwhile is still answered (it rebooks).
      await condition(() => !this.controls.paused || this.controls.halted || this.rebook.size > 0);
      if (this.controls.halted) break;
      if (this.rebook.size > 0) continue;
      if (Date.now() >= Date.parse(next.slot.closesAt)) {
        await this.rebookAfterChange(next, 'the rollout was paused past your maintenance window');
        continue;
      }
      // Everyone told whose window is open now goes in one slot (one customer before batches).
      const slot = this.batched
        ? open.filter((o) => o.noticeSent && Date.parse(o.slot.opensAt) <= Date.now() && Date.now() < Date.parse(o.slot.closesAt))
        : [next];
      for (const b of slot) this.status.updating(b.customer.id);
      this.tracker.customerWindowOpen(step.name, slot.map((b) => b.customer.id), next.slot.label);
      const result = await runSlot(customerStepName(step.name, next.customer.id), slot.flatMap((b) => b.targets));
      for (const b of slot) b.done = true;
      results.push(result);
      if (result.outcome !== 'passed') break;
    }
    this.activeStep = null;
    return results;
  }

  /**
   * A step with customers in it: each customer in their own window, then the rest of the step's
   * targets and its bake, so the health gate judges the whole step together.
   */
  async runStep(step: PlannedStep, changed: Set<string>, runSlot: SlotRunner, runRest: (targets: string[]) => Promise<StepResult>): Promise<StepResult> {
    const results = await this.runCustomerSlots(step, changed, runSlot);
    if (!results.some((r) => r.outcome !== 'passed')) {
      results.push(this.controls.halted
        ? { outcome: 'halted', changes: [], failures: [], reasons: ['stopped by command'], gate: null, nearMiss: false, health: {} }
        : await runRest(step.targets.filter((t) => !this.ownerOf(t))));
    }
    const last = results.at(-1) as StepResult;
    return {
      ...last,
      changes: results.flatMap((r) => r.changes),
      failures: results.flatMap((r) => r.failures),
      health: Object.assign({}, ...results.map((r) => r.health)),
    };
  }

  /** The step passed: its customers are updated; tell them, with their batched changes. */
  stepPassed(step: PlannedStep): void {
    for (const s of this.status.customers) {
      if (s.step !== step.name || s.state !== 'updating') continue;
      this.status.updated(s.id);
      this.notifier.send(s.id, 'post-deployment', 'post-deployment');
      this.notifier.flushDigest(s.id);
    }
  }

  /** Customers with a target among these: the only ones an incident notice goes to. */
  affectedBy(targetIds: string[]): string[] {
    const ids = new Set<string>();
    for (const t of targetIds) {
      const owner = this.ownerOf(t);
      if (owner) ids.add(owner.id);
    }
    return [...ids];
  }

  /** The breaker tripped: the customers whose systems changed hear about it, nobody else. */
  breached(changedTargets: string[], rollingBack: boolean): void {
    const affected = this.affectedBy(changedTargets);
    if (affected.length === 0) return;
    const { version, fromVersion } = this.tracker.status;
    this.incidents.report(
      affected,
      rollingBack ? 'rolling_back' : 'investigating',
      `Some ${this.plan.component} systems updated to ${version} showed errors after the update.`,
      rollingBack ? `We are returning them to ${fromVersion}, the last version known to work.` : 'We have stopped the update and are investigating.',
    );
  }

  /** A rollback by command: customers whose systems change back are told before it starts. */
  rollingBack(changedTargets: string[]): void {
    const affected = this.affectedBy(changedTargets);
    if (affected.length === 0 || this.incidents.active) return;
    const { version, fromVersion } = this.tracker.status;
    this.incidents.report(affected, 'rolling_back', `We are reverting the update to ${version} on some ${this.plan.component} systems.`, `They are returning to ${fromVersion}.`);
  }

  /**
   * The rollout ended: affected customers rolled back, waiting ones told it will not happen,
   * everything delivered. `rollback_incomplete`: customers owning a target whose rollback could
   * not be verified (`unconfirmed`) are not told their service is restored, because it may not
   * be; the incident is handed to people instead of resolved.
   */
  async finish(outcome: 'completed' | 'rolled_back' | 'rollback_incomplete', changedTargets: string[], unconfirmed: string[] = []): Promise<void> {
    const undone = outcome !== 'completed';
    const affected = new Set(this.affectedBy(changedTargets));
    const notBack = new Set(this.affectedBy(unconfirmed));
    for (const s of this.status.customers) {
      if (undone && affected.has(s.id)) {
        if (notBack.has(s.id)) this.status.restoreUnconfirmed(s.id);
        else this.status.rolledBack(s.id);
      }
      // Only someone already told of the update hears that it was called off.
      const told = s.notices.some((n) => n.kind === 'pre-deployment' && (n.outcome === 'sent' || n.outcome === 'held'));
      if (undone && !affected.has(s.id) && told) {
        this.notifier.batch(s.id, `The update to ${this.tracker.status.version} was called off; nothing changed on your systems.`);
      }
      if (undone && (s.state === 'waiting_for_window' || s.state === 'pending')) this.status.calledOff(s.id);
    }
    const { version, fromVersion } = this.tracker.status;
    if (outcome === 'rollback_incomplete' && notBack.size > 0) {
      this.incidents.handOver(
        `Most affected systems are back on ${fromVersion}; some are not yet confirmed.`,
        'Our engineers are checking them and will contact the customers concerned directly.',
      );
    } else {
      this.incidents.resolve(outcome === 'completed'
        ? `The update to ${version} completed and service is stable.`
        : `Service restored: affected systems are back on ${fromVersion}.`);
    }
    await this.settleIncidents();
    await this.notifier.settle();
  }

  private async book(customerId: string): Promise<{ noticeAt: number; slot: MaintenanceSlot }> {
    // One at a time, and always with the whole customer: how rollouts before patch customer-batches booked.
    const booked = await customerSchedule.scheduleCustomerUpdate({
      customer: this.customers.get(customerId) as Customer,
      after: this.bookingAfter(customerId),
      noticeBefore: this.plan.noticeBefore,
      urgent: this.security,
    });
    this.status.booked(customerId, booked.slot);
    return { noticeAt: Date.parse(booked.noticeAt), slot: booked.slot };
  }

  /** Books many customers, CUSTOMER_BATCH to an activity, in the order given. */
  private async bookAll(customerIds: string[]): Promise<{ noticeAt: number; slot: MaintenanceSlot }[]> {
    const answers = await Promise.all(inBatches(customerIds, CUSTOMER_BATCH).map((ids) => customerSchedule.scheduleCustomerUpdates({
      items: ids.map((id) => ({ ...this.customerArg(id), after: this.bookingAfter(id) })),
      noticeBefore: this.plan.noticeBefore,
      urgent: this.security,
      ...(this.customersFile ? { customersFile: this.customersFile } : {}),
    })));
    return answers.flatMap(({ slots, bookings }) => bookings.map((b) => ({ noticeAt: Date.parse(b.noticeAt), slot: slots[b.slot]! }))).map((b, i) => {
      this.status.booked(customerIds[i]!, b.slot);
      return b;
    });
  }

  /** The earliest a customer may be told: now, or their deferral less the notice period. */
  private bookingAfter(customerId: string): string {
    const s = this.state(customerId);
    const deferredTo = s.deferral ? Date.parse(s.deferral.until) - this.plan.noticeBefore : 0;
    return isoAt(Math.max(Date.now(), deferredTo));
  }

  private customerArg(customerId: string): CustomerArg {
    return this.customersFile ? { customerId } : { customer: this.customers.get(customerId) as Customer };
  }

  private async rebookAfterChange(b: Booking, why: string): Promise<void> {
    const toldBefore = b.noticeSent;
    Object.assign(b, await this.book(b.customer.id), { noticeSent: false });
    this.status.rescheduled(b.customer.id, why, b.slot.label);
    // Told of the old time: they will get an updated pre-deployment notice for the new one.
    if (toldBefore) this.notifier.batch(b.customer.id, `Your update was rescheduled (${why}); new window: ${b.slot.label}.`);
  }

  private preDeploymentNotice(b: Booking): void {
    const s = this.state(b.customer.id);
    this.notifier.send(b.customer.id, 'pre-deployment', this.security ? 'security' : 'pre-deployment', {
      window: b.slot,
      deferUntilLatest: s.deferrableUntil,
      // Batched, the words are the same for every customer and travel once; the activity fills in {customer}.
      howToDefer: `Use the defer button on the status portal, or ask us to run: rampart customers defer ${this.tracker.status.rolloutId} --customer ${this.batched ? '{customer}' : b.customer.id} --until <time>`,
    });
  }
}
