import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { RampartActivities } from '../activities';
import { rolloutWorkflowId } from '../contract/ids';
import {
  acquireLeaseUpdate,
  LEASE_HELD,
  leaseAnswerSignal,
  leaseCheckInSignal,
  leaseReleaseSignal,
  leaseStateQuery,
  type FleetLeaseInput,
  type LeaseAnswer,
  type LeaseEntry,
  type LeaseRequest,
  type LeaseTakeover,
} from '../contract/lease';
import { messageArgSchemas as schemas } from '../contract/messageArgs';
import { describeBlockers, LeaseBook } from './fleetLeaseBook';
import { dropReport, handleSignal, parseArg } from './messages';
import { boundedWait, isoNow } from './time';

const DEFAULT_CHECK_EVERY_MS = 15_000;

const reads = proxyActivities<RampartActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '500 milliseconds', maximumInterval: '5 seconds' },
});

type Work =
  | { kind: 'acquire'; request: LeaseRequest; answer: (a: LeaseAnswer) => void }
  | { kind: 'checkIn'; request: LeaseRequest }
  | { kind: 'release'; rolloutId: string };

/**
 * The lock of one fleet: who holds which targets, who waits in line. Every request is handled
 * in arrival order by one loop, so two starts can never both get the same targets. A holder that
 * ended without releasing (terminated, timed out, a start that never happened) is found out when
 * someone else wants its targets, and every `checkEveryMs` while someone waits in line: its lease
 * is taken over and the new holder is told. The history stays bounded: the whole state continues
 * as new when Temporal suggests it.
 */
export async function fleetLeaseWorkflow(input: FleetLeaseInput): Promise<void> {
  const book = new LeaseBook(input.holders, input.queue);
  // Bounded: a check interval that is no duration would make the wait in line throw.
  const checkEveryMs = boundedWait(input.checkEveryMs ?? DEFAULT_CHECK_EVERY_MS, DEFAULT_CHECK_EVERY_MS);
  const inbox: Work[] = [];

  setHandler(leaseStateQuery, () => ({ fleet: input.fleet, holders: book.holders, queue: book.queue, checkEveryMs }));
  setHandler(acquireLeaseUpdate, (request) => new Promise<LeaseAnswer>((answer) => inbox.push({ kind: 'acquire', request, answer })).then(toGrant), {
    validator: (request) => {
      parseArg('lease request', schemas.acquireLease, request);
    },
  });
  // Signals cannot be refused: a malformed one is dropped and logged (the lock has no timeline;
  // only Rampart's own activity and rollouts send them).
  const dropped = dropReport(`fleet lease ${input.fleet}`);
  handleSignal(leaseCheckInSignal, schemas.leaseCheckIn, (request) => inbox.push({ kind: 'checkIn', request }), dropped);
  handleSignal(leaseReleaseSignal, schemas.leaseRelease, (release) => inbox.push({ kind: 'release', rolloutId: release.rolloutId }), dropped);

  /** Takes over the leases of rollouts that no longer run; the takeovers, for whoever gets their targets. */
  const clearEnded = async (rolloutIds: string[]): Promise<LeaseTakeover[]> => {
    if (rolloutIds.length === 0) return [];
    const states = await reads.rolloutStates(rolloutIds.map(rolloutWorkflowId));
    const takenOver: LeaseTakeover[] = [];
    for (const id of rolloutIds) {
      const state = states[rolloutWorkflowId(id)] ?? 'not found';
      if (state === 'running') continue;
      if (book.remove(id)) takenOver.push({ rolloutId: id, state, at: isoNow() });
    }
    return takenOver;
  };

  /** Tells each newly granted rollout that has checked in; one that is gone is dropped, and the line moves again. */
  const grantWaiting = async (takenOver: LeaseTakeover[]): Promise<void> => {
    for (let promoted = book.promote(); promoted.length > 0; promoted = book.promote()) {
      let dropped = false;
      for (const entry of promoted) {
        entry.takenOver.push(...takenOver);
        if (!entry.checkedIn) continue; // reserved by a start: the rollout hears it when it checks in
        if (!(await tell(entry, answerFor(entry, 'granted')))) dropped = book.remove(entry.rolloutId) !== undefined || dropped;
      }
      if (!dropped) return;
    }
  };

  const answerFor = (entry: LeaseEntry, state: LeaseAnswer['state'], reason?: string): LeaseAnswer => ({
    state,
    fleet: input.fleet,
    blockers: book.blockers(entry.targets, entry.rolloutId),
    takenOver: entry.takenOver,
    ...(reason ? { reason } : {}),
  });

  /** A rollout asks (a start's reservation, or its own check-in): grant, queue or refuse. */
  const admit = async (request: LeaseRequest, checkedIn: boolean): Promise<LeaseAnswer> => {
    const known = book.find(request.rolloutId);
    if (known) {
      known.entry.checkedIn ||= checkedIn;
      return answerFor(known.entry, known.holding ? 'granted' : 'queued');
    }
    const entry: LeaseEntry = { rolloutId: request.rolloutId, targets: request.targets, by: request.by, since: isoNow(), checkedIn, takenOver: [] };
    const inTheWay = book.blockers(request.targets, request.rolloutId);
    if (inTheWay.length > 0) {
      const takenOver = await clearEnded(inTheWay.map((b) => b.rolloutId));
      entry.takenOver.push(...takenOver);
      await grantWaiting(takenOver);
    }
    const blockers = book.blockers(request.targets, request.rolloutId);
    if (blockers.length === 0) {
      book.holders.push(entry);
      return answerFor(entry, 'granted');
    }
    if (request.queue) {
      book.queue.push(entry);
      return answerFor(entry, 'queued');
    }
    return { state: 'refused', fleet: input.fleet, blockers, takenOver: [], reason: describeBlockers(input.fleet, blockers, book) };
  };

  const handle = async (work: Work): Promise<void> => {
    if (work.kind === 'acquire') {
      work.answer(await admit(work.request, false));
    } else if (work.kind === 'checkIn') {
      const answer = await admit(work.request, true);
      if (!(await tell(work.request, answer)) && answer.state !== 'refused' && book.remove(work.request.rolloutId)) await grantWaiting([]);
    } else if (book.remove(work.rolloutId)) {
      await grantWaiting([]);
    }
  };

  /** While someone waits: a holder in their way that has ended without releasing gives its lease up. */
  const checkHolders = async (): Promise<void> => {
    await grantWaiting(await clearEnded(book.blockingWaiters()));
  };

  let nextCheckAt = Date.now() + checkEveryMs;
  for (;;) {
    if (book.queue.length > 0) {
      const work = await condition(() => inbox.length > 0, Math.max(1, nextCheckAt - Date.now()));
      if (!work) {
        await checkHolders();
        nextCheckAt = Date.now() + checkEveryMs;
      }
    } else {
      await condition(() => inbox.length > 0);
      nextCheckAt = Date.now() + checkEveryMs;
    }
    for (let work = inbox.shift(); work; work = inbox.shift()) await handle(work);
    if (workflowInfo().continueAsNewSuggested) {
      await condition(() => allHandlersFinished() || inbox.length > 0);
      if (inbox.length === 0) {
        await continueAsNew<typeof fleetLeaseWorkflow>({ fleet: input.fleet, holders: book.holders, queue: book.queue, checkEveryMs });
      }
    }
  }
}

/** A refusal fails the Update, naming who holds the targets; nothing was recorded for the caller. */
function toGrant(answer: LeaseAnswer) {
  if (answer.state === 'refused') {
    throw ApplicationFailure.create({ type: LEASE_HELD, message: answer.reason ?? 'the targets are leased to another rollout', nonRetryable: true, details: [answer.blockers] });
  }
  return { state: answer.state, fleet: answer.fleet, blockers: answer.blockers, takenOver: answer.takenOver };
}

/** Signals a rollout; false when it no longer runs (it ended, or never started). */
async function tell(to: { rolloutId: string }, answer: LeaseAnswer): Promise<boolean> {
  try {
    await getExternalWorkflowHandle(rolloutWorkflowId(to.rolloutId)).signal(leaseAnswerSignal, answer);
    return true;
  } catch {
    return false;
  }
}
