import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { z } from 'zod';

/**
 * One writer per target: the fleet lease. One lock workflow per fleet (and task queue) keeps who
 * holds which of its targets and who waits in line. A start reserves the targets with the
 * acquire Update before the rollout exists; the rollout checks in (a signal, through an activity
 * that starts the lock if need be) before it reads or changes any target, and is answered with a
 * signal; it releases the lease with a signal when it ends.
 */

const targetIds = z.array(z.string().min(1).max(100)).min(1, 'a lease covers at least one target').max(100_000, 'at most 100,000 targets');
const leaseRolloutId = z.string().regex(/^[A-Za-z0-9._-]{1,128}$/, 'expected a rollout id of letters, digits, ".", "_" or "-"');

export const leaseRequestSchema = z.strictObject({
  rolloutId: leaseRolloutId,
  /** Every target the rollout may change. */
  targets: targetIds,
  /** Wait in line behind the holders instead of being refused. */
  queue: z.boolean(),
  by: z.string().min(1).max(64),
});
export type LeaseRequest = z.infer<typeof leaseRequestSchema>;

export const leaseReleaseSchema = z.strictObject({ rolloutId: leaseRolloutId });
export type LeaseRelease = z.infer<typeof leaseReleaseSchema>;

/** A lease given up by a rollout that had ended without releasing it (terminated, timed out, never started). */
export interface LeaseTakeover {
  rolloutId: string;
  /** How that rollout stands: terminated, not found, ... */
  state: string;
  at: string;
}

/** Who stands in the way of a request: a holder, or an earlier rollout waiting for the same targets. */
export interface LeaseBlocker {
  rolloutId: string;
  /** How many of the requested targets it holds (or waits for). */
  overlap: number;
  queued: boolean;
}

/** The acquire Update's answer; a refusal fails the Update with the holder named. */
export interface LeaseGrant {
  state: 'granted' | 'queued';
  fleet: string;
  blockers: LeaseBlocker[];
  takenOver: LeaseTakeover[];
}

/** The lock's answer to a rollout's check-in, and later its turn in line. */
export interface LeaseAnswer {
  state: 'granted' | 'queued' | 'refused';
  fleet: string;
  blockers: LeaseBlocker[];
  takenOver: LeaseTakeover[];
  reason?: string;
}

/**
 * The answer as the rollout parses it (leaseAnswerSignal). Unknown keys are stripped, not
 * refused: a rollout waits for this answer, and one the lock sent must never be dropped.
 */
export const leaseAnswerSchema = z.object({
  state: z.enum(['granted', 'queued', 'refused']),
  fleet: z.string().max(200),
  blockers: z.array(z.object({ rolloutId: z.string().max(200), overlap: z.number(), queued: z.boolean() })),
  takenOver: z.array(z.object({ rolloutId: z.string().max(200), state: z.string().max(200), at: z.string().max(100) })),
  reason: z.string().optional(),
}) satisfies z.ZodType<LeaseAnswer>;

export interface LeaseEntry {
  rolloutId: string;
  targets: string[];
  by: string;
  since: string;
  /** The rollout itself has checked in: it exists (a start reserves before the rollout runs). */
  checkedIn: boolean;
  /** Leases taken over for this entry, told to the rollout with its grant. */
  takenOver: LeaseTakeover[];
}

/** The lock's whole state: what continue-as-new carries. */
export interface FleetLeaseInput {
  fleet: string;
  holders: LeaseEntry[];
  queue: LeaseEntry[];
  /** How often holders are checked while someone waits in line; default 15 s. */
  checkEveryMs?: number;
}

export type FleetLeaseState = Required<FleetLeaseInput>;

export const acquireLeaseUpdate = defineUpdate<LeaseGrant, [LeaseRequest]>('acquireLease');
export const leaseCheckInSignal = defineSignal<[LeaseRequest]>('leaseCheckIn');
export const leaseReleaseSignal = defineSignal<[LeaseRelease]>('leaseRelease');
/** Lock to rollout. */
export const leaseAnswerSignal = defineSignal<[LeaseAnswer]>('leaseAnswer');
export const leaseStateQuery = defineQuery<FleetLeaseState>('leaseState');

/** The failure type of a refused acquire, so clients can tell it from other failures. */
export const LEASE_HELD = 'LeaseHeld';
