import type { CustomerState } from './customerRolloutStatus';
import type { RolloutStatus, TargetState } from './rolloutStatus';

/**
 * A large rollout's status as queries and the final result give it: the per-target and
 * per-customer lists replaced by counts above a size, so answers stay well under Temporal's
 * payload limit. See RolloutStatus.targetSummary and customerSummary.
 */

/** Above this many targets the final result leaves the per-target lists out (about 150 bytes each). */
export const RESULT_TARGETS_LIMIT = 5_000;
/** Above this many customers the status leaves the per-customer records out (about 1 KB each with their notices). */
export const RESULT_CUSTOMERS_LIMIT = 1_000;

/** Above RESULT_TARGETS_LIMIT targets: counts instead of the per-target lists. */
export function withoutTargetLists(s: RolloutStatus): RolloutStatus {
  const { targets } = s;
  if (targets.length <= RESULT_TARGETS_LIMIT) return s;
  const byVersion: Record<string, number> = {};
  const byState: Partial<Record<TargetState, number>> = {};
  for (const t of targets) {
    byVersion[t.version] = (byVersion[t.version] ?? 0) + 1;
    byState[t.state] = (byState[t.state] ?? 0) + 1;
  }
  return { ...s, targets: [], steps: s.steps.map((step) => ({ ...step, targets: [] })), targetSummary: { total: targets.length, byVersion, byState } };
}

/** Above RESULT_CUSTOMERS_LIMIT customers: counts instead of the per-customer records. */
export function withoutCustomerLists(s: RolloutStatus): RolloutStatus {
  const { customers } = s;
  if (!customers || customers.length <= RESULT_CUSTOMERS_LIMIT) return s;
  const byState: Partial<Record<CustomerState, number>> = {};
  const byStep: Record<string, number> = {};
  for (const c of customers) {
    byState[c.state] = (byState[c.state] ?? 0) + 1;
    if (c.step) byStep[c.step] = (byStep[c.step] ?? 0) + 1;
  }
  return {
    ...s,
    customers: [],
    publicIncidents: s.publicIncidents?.map((u) => ({ ...u, affected: [], affectedCount: u.affected.length })) ?? null,
    customerSummary: { total: customers.length, byState, byStep },
  };
}
