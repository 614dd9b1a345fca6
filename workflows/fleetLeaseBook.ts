import type { LeaseBlocker, LeaseEntry } from '../contract/lease';

/**
 * Who holds which targets of one fleet and who waits in line: pure bookkeeping, no Temporal,
 * so the lock workflow (fleetLease.ts) stays about messages and the rules stay readable here.
 *
 * Rules: rollouts on disjoint targets hold the lease at once; one that overlaps a holder waits in
 * line (or is refused); the line is first come, first served: a later request that overlaps an
 * earlier waiting one waits behind it even when the targets they share are free.
 */
export class LeaseBook {
  constructor(readonly holders: LeaseEntry[], readonly queue: LeaseEntry[]) {}

  find(rolloutId: string): { entry: LeaseEntry; holding: boolean } | null {
    const held = this.holders.find((e) => e.rolloutId === rolloutId);
    if (held) return { entry: held, holding: true };
    const waiting = this.queue.find((e) => e.rolloutId === rolloutId);
    return waiting ? { entry: waiting, holding: false } : null;
  }

  /** Everyone in the way of these targets: overlapping holders, and overlapping rollouts already in line. */
  blockers(targets: readonly string[], self: string): LeaseBlocker[] {
    const wanted = new Set(targets);
    const overlapOf = (e: LeaseEntry) => e.targets.reduce((n, t) => (wanted.has(t) ? n + 1 : n), 0);
    const found: LeaseBlocker[] = [];
    for (const [entries, queued] of [[this.holders, false], [this.queue, true]] as const) {
      for (const e of entries) {
        if (e.rolloutId === self) continue;
        const overlap = overlapOf(e);
        if (overlap > 0) found.push({ rolloutId: e.rolloutId, overlap, queued });
      }
    }
    return found;
  }

  /** Removes a rollout wherever it stands; the entry, if it was there. */
  remove(rolloutId: string): LeaseEntry | undefined {
    for (const list of [this.holders, this.queue]) {
      const at = list.findIndex((e) => e.rolloutId === rolloutId);
      if (at >= 0) return list.splice(at, 1)[0];
    }
    return undefined;
  }

  /**
   * Moves every waiting rollout whose targets are now free (of holders and of anyone ahead of it
   * in line) to the holders, in line order; returns them.
   */
  promote(): LeaseEntry[] {
    const promoted: LeaseEntry[] = [];
    const taken = new Set(this.holders.flatMap((e) => e.targets));
    const stillWaiting: LeaseEntry[] = [];
    for (const entry of this.queue) {
      const free = entry.targets.every((t) => !taken.has(t));
      // Free or not, its targets are spoken for: nobody behind it jumps the line.
      for (const t of entry.targets) taken.add(t);
      if (free) promoted.push(entry);
      else stillWaiting.push(entry);
    }
    this.queue.splice(0, this.queue.length, ...stillWaiting);
    this.holders.push(...promoted);
    return promoted;
  }

  /** The rollouts whose liveness matters to someone waiting: holders and waiters that block a later waiter. */
  blockingWaiters(): string[] {
    const ids = new Set<string>();
    this.queue.forEach((entry, index) => {
      const ahead = new LeaseBook(this.holders, this.queue.slice(0, index));
      for (const b of ahead.blockers(entry.targets, entry.rolloutId)) ids.add(b.rolloutId);
    });
    return [...ids];
  }
}

/** "3 of these targets are leased to rollout r-1 (started by alice)", for every blocker. */
export function describeBlockers(fleet: string, blockers: readonly LeaseBlocker[], book: LeaseBook): string {
  const parts = blockers.map((b) => {
    const by = book.find(b.rolloutId)?.entry.by;
    const what = b.queued ? 'waiting in line for' : 'holding';
    return `rollout ${b.rolloutId}${by ? ` (started by ${by})` : ''} is ${what} ${b.overlap} of these targets`;
  });
  return `fleet ${fleet}: ${parts.join('; ')}`;
}
