import type { Customer } from './customers';

/** What assignment reads of a customer. */
type Assignable = Pick<Customer, 'targets' | 'pinToPrevious' | 'channel'>;

/** The release line of a version: "2.3" for "2.3.7". N-1 is the line before the newest. */
export function releaseLine(version: string): string {
  const parts = version.split(/[.+-]/);
  return parts.slice(0, 2).join('.');
}

export interface CustomerAssignment<C extends Assignable = Customer> {
  /** Owner of each customer target. */
  ownerOf: Map<string, C>;
  /** Customers pinned to N-1 whose targets this rollout of a newer line leaves alone. */
  pinned: C[];
  /** Targets of pinned customers: taken out of the plan altogether. */
  pinnedTargets: Set<string>;
  /** Early Access targets go in the canary; Stable ones in the waves, each customer kept in one wave. */
  earlyAccess: string[];
  stableGroups: string[][];
  errors: string[];
}

/**
 * Who owns which target and where they go. A pinned customer is skipped when the release is of a
 * different line than what their targets run; a patch to their own line still reaches them.
 */
export function assignCustomers<C extends Assignable>(
  file: { customers: C[] },
  fleetTargetIds: string[],
  release: string,
  running: Record<string, string | null>,
): CustomerAssignment<C> {
  const known = new Set(fleetTargetIds);
  const errors: string[] = [];
  const ownerOf = new Map<string, C>();
  const pinned: C[] = [];
  const pinnedTargets = new Set<string>();
  const earlyAccess: string[] = [];
  const stableGroups: string[][] = [];
  file.customers.forEach((customer, i) => {
    customer.targets.forEach((id, j) => {
      if (!known.has(id)) errors.push(`customers[${i}].targets[${j}]: no such target in the fleet: ${id}`);
    });
    const targets = customer.targets.filter((id) => known.has(id));
    for (const id of targets) ownerOf.set(id, customer);
    const otherLine = targets.some((id) => releaseLine(running[id] ?? release) !== releaseLine(release));
    if (customer.pinToPrevious && otherLine) {
      pinned.push(customer);
      for (const id of targets) pinnedTargets.add(id);
    } else if (customer.channel === 'early-access') {
      earlyAccess.push(...targets);
    } else {
      stableGroups.push(targets);
    }
  });
  return { ownerOf, pinned, pinnedTargets, earlyAccess, stableGroups, errors };
}
