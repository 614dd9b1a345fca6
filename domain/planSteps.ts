import type { Playbook, Selector, Size } from './playbook';

export type StepKind = 'dogfood' | 'canary' | 'wave';

export interface PlannedStep {
  /** Stable name used in history, status and idempotency keys: "dogfood", "canary", "wave-1". */
  name: string;
  kind: StepKind;
  targets: string[];
  bakeMs: number;
  maxParallel: number;
}

export interface PlanTarget {
  id: string;
  labels: Record<string, string>;
}

/** With a customers file: who goes where (see customerAssignment.ts). */
export interface CustomerPlacement {
  /** Pinned (N-1) customers' targets: not part of this rollout at all. */
  exclude: Set<string>;
  /** Early Access customers' targets: all of them in the canary. */
  earlyAccess: string[];
  /** Stable customers' targets, one group per customer: never in the canary, never split across waves. */
  stableGroups: string[][];
}

export type PlanResult = { ok: true; steps: PlannedStep[] } | { ok: false; errors: string[] };

function sizeToCount(size: Size, fleetSize: number): number {
  if (typeof size === 'number') return size;
  return Math.max(1, Math.ceil((size.percent / 100) * fleetSize));
}

function select(selector: Selector, pool: PlanTarget[], where: string, errors: string[]): string[] {
  if (selector.targets) {
    const known = new Set(pool.map((t) => t.id));
    const unknown = selector.targets.filter((id) => !known.has(id));
    if (unknown.length > 0) errors.push(`${where}.targets: no such target in the fleet: ${unknown.join(', ')}`);
    return selector.targets.filter((id) => known.has(id));
  }
  const labels = Object.entries(selector.labels ?? {});
  const chosen = pool.filter((t) => labels.every(([k, v]) => t.labels[k] === v)).map((t) => t.id);
  if (chosen.length === 0) errors.push(`${where}.labels: no target in the fleet carries ${labels.map(([k, v]) => `${k}=${v}`).join(', ')}`);
  return chosen;
}

/**
 * Splits the fleet into ordered steps: dogfood ring, canary, then waves. Percentages are of the
 * whole fleet, rounded up; the last wave always takes every target left, so nobody is forgotten.
 */
export function planSteps(playbook: Playbook, allTargets: PlanTarget[], customers?: CustomerPlacement): PlanResult {
  const errors: string[] = [];
  const steps: PlannedStep[] = [];
  const fleet = customers ? allTargets.filter((t) => !customers.exclude.has(t.id)) : allTargets;
  const customerOwned = new Set(customers ? [...customers.earlyAccess, ...customers.stableGroups.flat()] : []);
  // Customers' targets come after the unowned ones, customer by customer, so a wave never splits one.
  const byId = new Map(fleet.map((t) => [t.id, t] as const));
  let remaining = customers
    ? [...fleet.filter((t) => !customerOwned.has(t.id)), ...[...customers.earlyAccess, ...customers.stableGroups.flat()].flatMap((id) => byId.get(id) ?? [])]
    : [...fleet];
  const groupOf = new Map((customers?.stableGroups ?? []).flatMap((group) => group.map((id) => [id, group] as const)));
  /** Takes `count` targets, then the rest of the last one's customer. */
  const takeWhole = (count: number): string[] => {
    const ids = remaining.slice(0, count).map((t) => t.id);
    const last = ids.at(-1);
    const group = last ? groupOf.get(last) : undefined;
    const taken = new Set(ids);
    const left = new Set(remaining.map((t) => t.id));
    for (const id of group ?? []) if (!taken.has(id) && left.has(id)) ids.push(id);
    return ids;
  };
  const take = (ids: string[]) => {
    const chosen = new Set(ids);
    remaining = remaining.filter((t) => !chosen.has(t.id));
  };
  const { dogfood, canary, waves } = playbook.phases;

  if (dogfood) {
    const ids = select(dogfood, remaining.filter((t) => !customerOwned.has(t.id)), 'phases.dogfood', errors);
    steps.push({ name: 'dogfood', kind: 'dogfood', targets: ids, bakeMs: dogfood.soakTime, maxParallel: playbook.maxParallel });
    take(ids);
  }
  if (canary && customers) {
    // Early Access customers are the canary, with unowned targets selected as written; Stable never.
    const unowned = remaining.filter((t) => !customerOwned.has(t.id));
    const picked = canary.size !== undefined
      ? unowned.slice(0, Math.max(0, sizeToCount(canary.size, fleet.length) - customers.earlyAccess.length)).map((t) => t.id)
      : canary.targets || canary.labels ? select(canary, unowned, 'phases.canary', []) : [];
    const ids = [...customers.earlyAccess.filter((id) => byId.has(id)), ...picked];
    if (ids.length === 0) errors.push('phases.canary: no Early Access customer and no target outside Stable customers to canary on');
    steps.push({ name: 'canary', kind: 'canary', targets: ids, bakeMs: canary.bakeTime, maxParallel: playbook.maxParallel });
    take(ids);
  } else if (canary) {
    const ids = canary.size !== undefined
      ? remaining.slice(0, sizeToCount(canary.size, fleet.length)).map((t) => t.id)
      : select(canary, remaining, 'phases.canary', errors);
    if (ids.length >= remaining.length && waves.length > 0 && remaining.length > 1) {
      errors.push('phases.canary: the canary would take every remaining target; make it smaller');
    }
    steps.push({ name: 'canary', kind: 'canary', targets: ids, bakeMs: canary.bakeTime, maxParallel: playbook.maxParallel });
    take(ids);
  }
  waves.forEach((wave, index) => {
    const last = index === waves.length - 1;
    const ids = last ? remaining.map((t) => t.id) : takeWhole(sizeToCount(wave.size, fleet.length));
    steps.push({
      name: `wave-${index + 1}`,
      kind: 'wave',
      targets: ids,
      bakeMs: wave.bakeTime,
      maxParallel: wave.maxParallel ?? playbook.maxParallel,
    });
    take(ids);
  });

  const empty = steps.filter((s) => s.targets.length === 0 && s.kind !== 'wave');
  for (const s of empty) errors.push(`phases.${s.kind}: selects no target`);
  if (errors.length > 0) return { ok: false, errors };
  // Waves emptied by a small fleet are dropped rather than baked for nothing.
  return { ok: true, steps: steps.filter((s) => s.targets.length > 0) };
}
