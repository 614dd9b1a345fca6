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
export function planSteps(playbook: Playbook, fleet: PlanTarget[]): PlanResult {
  const errors: string[] = [];
  const steps: PlannedStep[] = [];
  let remaining = [...fleet];
  const take = (ids: string[]) => {
    const chosen = new Set(ids);
    remaining = remaining.filter((t) => !chosen.has(t.id));
  };
  const { dogfood, canary, waves } = playbook.phases;

  if (dogfood) {
    const ids = select(dogfood, remaining, 'phases.dogfood', errors);
    steps.push({ name: 'dogfood', kind: 'dogfood', targets: ids, bakeMs: dogfood.soakTime, maxParallel: playbook.maxParallel });
    take(ids);
  }
  if (canary) {
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
    const ids = (last ? remaining : remaining.slice(0, sizeToCount(wave.size, fleet.length))).map((t) => t.id);
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
