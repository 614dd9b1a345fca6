import { ActivityFailure, ApplicationFailure, patched } from '@temporalio/workflow';
import { customersFileSchema, type CustomersFileRef, type RosterEntry } from '../domain/customers';
import { customersFileSchemaBeforeLimits } from '../domain/beforeLimits/customers';
import { playbookSchemaBeforeLimits } from '../domain/beforeLimits/playbook';
import { fleetSchema, type Fleet } from '../domain/fleet';
import { legacyFleetSchema } from '../domain/legacyFleet';
import { escalationPoliciesSchema } from '../domain/incident';
import { parseInput, type InputError } from '../domain/issues';
import { playbookSchema, type Playbook } from '../domain/playbook';
import { planSteps, type PlannedStep } from '../domain/planSteps';
import type { RolloutInput } from '../domain/rolloutInput';
import { reads } from './activityProxies';
import { ApprovalGate } from './approvals';
import type { ChangeControlPass } from './changeControlGate';
import { registerDeferCommand } from './customerDefer';
import { CustomerRollout } from './customerRollout';
import { RolloutControls, registerRolloutCommands } from './rolloutCommands';
import { dropReport } from './messages';
import type { RolloutLease } from './rolloutLease';
import { RolloutRun } from './rolloutRun';
import { isDrill } from './drill';
import { RolloutTracker } from './rolloutTracker';
import type { ReleaseReporter } from './releaseReporter';
import { atLeast } from '../domain/correctiveActions';
import { LESSON_REPORTS, type Lessons } from '../domain/lessons';
import { paceOf, withPace } from '../domain/velocity';

const listErrors = (where: string, errors: InputError[]) => errors.map((e) => `${where}.${e.path}: ${e.message}`);

/** Ends the rollout as failed, before any target was touched: bad input is never retried. */
function failed(tracker: RolloutTracker, reason: string, type = 'PlanningFailed'): never {
  tracker.failed(reason);
  throw ApplicationFailure.nonRetryable(reason, type);
}

/** Customers read a page at a time: a page of roster entries is about 150 KB. */
const ROSTER_PAGE = 1_000;

/** The roster of a customers file that went by reference; a file the workers cannot read or that changed fails planning. */
async function readRoster(file: CustomersFileRef, tracker: RolloutTracker): Promise<RosterEntry[]> {
  try {
    const first = await reads.readCustomerRoster({ file, offset: 0, limit: ROSTER_PAGE });
    const offsets = Array.from({ length: Math.ceil(first.total / ROSTER_PAGE) - 1 }, (_, i) => (i + 1) * ROSTER_PAGE);
    const rest = await Promise.all(offsets.map((offset) => reads.readCustomerRoster({ file, offset, limit: ROSTER_PAGE })));
    return [first, ...rest].flatMap((page) => page.roster);
  } catch (err) {
    const why = err instanceof ActivityFailure && err.cause ? err.cause.message : String(err);
    return failed(tracker, `planning check failed: ${why}`);
  }
}

/**
 * Planning and build verification: nothing ships without a valid, complete plan and an artifact
 * whose digest matches. Commands are registered before the first await, so none is missed. The
 * plan is checked against the fleet before anything is read; with a customers file, the plan the
 * rollout follows places the customers once the targets' running versions are known (who is
 * pinned to N-1 depends on them). Either way the status records the plan once. The fleet's
 * lease is taken before the first target is read: what a target runs is only known once nobody
 * else may change it. Change control admits it first (`pass`): not while its version is
 * quarantined or the line is stopped.
 */
export async function planRollout(input: RolloutInput, lease: RolloutLease, pass: ChangeControlPass, reporter: ReleaseReporter): Promise<RolloutRun> {
  // Local target dirs confined to the fleet's root and http(s) URLs only; a history recorded
  // before that rule is replayed with the fleet as it was read then.
  const fleetParse: ReturnType<typeof parseInput<typeof fleetSchema>> = patched('confined-fleet-dirs')
    ? parseInput(fleetSchema, input.fleet)
    : parseInput(legacyFleetSchema, input.fleet);
  const tracker = new RolloutTracker(input, fleetParse.ok ? fleetParse.value.version : 'unknown');
  const controls = new RolloutControls();
  lease.reportDropsTo(dropReport(`rollout ${input.rolloutId}`, (detail) => tracker.messageDropped(detail)));
  // Every duration and count within its range; a history recorded before the ranges is replayed
  // with the schemas as they were then (domain/beforeLimits), so it issues the commands it did.
  const bounded = patched('bounded-input');
  const playbookParse = parseInput(bounded ? playbookSchema : playbookSchemaBeforeLimits, input.playbook);
  const customersParse = input.customers === undefined ? null : parseInput(bounded ? customersFileSchema : customersFileSchemaBeforeLimits, input.customers);
  // The policy the breaker would page by: one it could not run fails planning now, not at the breach.
  const escalationParse = input.escalation === undefined || !bounded ? null : parseInput(escalationPoliciesSchema, input.escalation);
  // The risk level's pace (planning.velocity) and the release report: not in histories recorded before them.
  // (Histories with the report are all newer than the ranges: their playbook parsed with playbookSchema.)
  const pace = reporter.enabled && playbookParse.ok ? paceOf(playbookParse.value as Playbook) : null;
  const paced = pace && playbookParse.ok ? withPace(playbookParse.value as Playbook, pace) : null;
  const approvals = new ApprovalGate(tracker, paced ? paced.approvals : playbookParse.ok ? playbookParse.value.approvals : []);
  registerRolloutCommands(tracker, controls, approvals);

  const planningErrors = [
    ...(playbookParse.ok ? [] : listErrors('playbook', playbookParse.errors)),
    ...(fleetParse.ok ? [] : listErrors('fleet', fleetParse.errors)),
    ...(customersParse && !customersParse.ok ? listErrors('customers', customersParse.errors) : []),
    ...(escalationParse && !escalationParse.ok ? listErrors('escalation', escalationParse.errors) : []),
  ];
  if (planningErrors.length > 0 || !playbookParse.ok || !fleetParse.ok) return failed(tracker, `planning check failed: ${planningErrors.join('; ')}`);
  // Histories from before the ranges never quarantined on a breach: change control came later.
  const playbook: Playbook = { quarantineOnBreach: false, ...(paced ?? playbookParse.value) };
  if (pace) {
    tracker.paced(pace);
    reporter.attach(tracker, playbook, pace);
  }
  const fleet: Fleet = fleetParse.value;
  const checked = planSteps(playbook, fleet.targets);
  if (!checked.ok) return failed(tracker, `planning check failed: ${checked.errors.join('; ')}`);
  // A drill tells no customer anything: its customers are not even read.
  const roster = isDrill(input) ? null : input.customersFile ? await readRoster(input.customersFile, tracker) : customersParse?.ok ? customersParse.value.customers : null;
  const customers = roster ? new CustomerRollout({ customers: roster }, input.customersFile, playbook, tracker, controls, input.release.notes) : null;
  registerDeferCommand(tracker, customers);
  tracker.planChecked(playbook, checked.steps.length);
  const barred = await pass.admit(input.release.version);
  if (barred) return failed(tracker, `${barred}; not started, no target was touched`, 'NotAdmitted');
  // One writer per target: nothing is read or changed before this rollout holds the fleet's lease.
  const leaseProblem = patched('fleet-lease') ? await lease.take(fleet, input.startedBy, tracker, controls) : null;
  if (leaseProblem) return failed(tracker, leaseProblem, 'LeaseRefused');
  // Read once this rollout holds the fleet: one of the same playbook queued before it has written its report by now.
  if (reporter.enabled) await learnFromEarlierReleases(input, playbook, tracker, approvals);

  // The last known good state: what each target really runs now, whatever the fleet file says.
  const runningVersions = await reads.readVersions(fleet.targets);
  tracker.versionsRead(fleet, runningVersions);
  const steps = customers ? placeCustomers(tracker, customers, playbook, fleet, runningVersions, checked.steps) : checked.steps;
  tracker.planned(steps);
  customers?.status.placed(steps);
  if (fleet.targets.every((t) => runningVersions[t.id] === input.release.version)) {
    return failed(tracker, `every target already runs ${input.release.version}; nothing to roll out`);
  }

  tracker.verifying();
  try {
    const verified = await reads.verifyArtifact(input.release);
    tracker.artifactVerified(verified.sha256, verified.bytes);
  } catch (err) {
    const cause = err instanceof ActivityFailure && err.cause ? err.cause.message : String(err);
    return failed(tracker, `artifact verification failed: ${cause}; no target was touched`, 'VerificationFailed');
  }
  return new RolloutRun(input, playbook, fleet, steps, runningVersions, tracker, controls, approvals, customers);
}

/**
 * The last release reports of the playbook: their near misses and open corrective actions go in
 * the status and the planning note; while actions as severe as planning.requireApprovalWhileOpen
 * says are open, the start needs one more approval. Reports that cannot be read count as open
 * actions when the playbook has that rule (it fails safe), and as nothing learned otherwise.
 */
async function learnFromEarlierReleases(input: RolloutInput, playbook: Playbook, tracker: RolloutTracker, approvals: ApprovalGate): Promise<void> {
  const rule = playbook.planning.requireApprovalWhileOpen;
  let read: Omit<Lessons, 'extraApproval'> | null = null;
  let unreadable = '';
  try {
    read = await reads.readReleaseLessons({ playbook: playbook.name, rolloutId: input.rolloutId, limit: LESSON_REPORTS });
  } catch (err) {
    unreadable = err instanceof ActivityFailure && err.cause ? err.cause.message : String(err);
  }
  const serious = read && rule ? read.openActions.filter((a) => atLeast(a.severity, rule.severity)) : [];
  const extraApproval = !rule ? null
    : !read ? `one more approval at the start: the earlier release reports could not be read (${unreadable})`
    : serious.length > 0 ? `one more approval at the start: ${serious.length} corrective action(s) of severity ${rule.severity} or worse still open (${serious.map((a) => a.incidentId).join(', ')})`
    : null;
  if (extraApproval) approvals.requireMoreAtStart(1);
  tracker.lessonsRead({ ...(read ?? { reports: [], nearMisses: [], openActions: [], openIncidents: [] }), extraApproval });
}

/**
 * The customer-aware plan: pinned customers' targets left out, Early Access in the canary, each
 * Stable customer whole in one wave. When that cannot be planned the status keeps the plan that
 * was checked, and the rollout fails.
 */
function placeCustomers(
  tracker: RolloutTracker,
  customers: CustomerRollout,
  playbook: Playbook,
  fleet: Fleet,
  runningVersions: Record<string, string | null>,
  checked: PlannedStep[],
): PlannedStep[] {
  const known = Object.fromEntries(fleet.targets.map((t) => [t.id, runningVersions[t.id] ?? fleet.version]));
  const assignment = customers.assign(fleet.targets.map((t) => t.id), known);
  const plan = assignment.errors.length > 0
    ? { ok: false as const, errors: assignment.errors }
    : planSteps(playbook, fleet.targets, { exclude: assignment.pinnedTargets, earlyAccess: assignment.earlyAccess, stableGroups: assignment.stableGroups });
  if (plan.ok) return plan.steps;
  tracker.planned(checked);
  return failed(tracker, `planning check failed: ${plan.errors.join('; ')}`);
}
