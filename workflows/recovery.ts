import { executeChild } from '@temporalio/workflow';
import { recoveryRollbackWorkflowId } from '../contract/ids';
import type { RecordedChange, RecoveryEvent, RecoveryInput, RecoveryResult } from '../contract/recovery';
import type { Target } from '../domain/fleet';
import type { TimelineEntry } from '../domain/timeline';
import { reads } from './activityProxies';
import { rollbackWorkflow } from './rollback';
import { isoNow } from './time';

/**
 * Repairs a rollout that ended behind Rampart's back: reads from the targets' install journals
 * what that rollout changed, then returns those targets to their previous version through the
 * same verified rollback workflow a rollout runs (only what the rollout installed is reverted; a
 * target changed since by someone else is left alone). Who asked and why head its timeline.
 */
export async function recoveryWorkflow(input: RecoveryInput): Promise<RecoveryResult> {
  const startedAt = isoNow();
  const timeline: TimelineEntry[] = [];
  const note = (event: RecoveryEvent, entry: Omit<TimelineEntry, 'at' | 'event'> = {}) => timeline.push({ at: isoNow(), event, ...entry });
  const ended = input.interrupted;
  note('recovery requested', { by: input.by, reason: input.reason, detail: `rollout ${input.rolloutId} ${ended.how} at ${ended.at}${ended.by ? ` by ${ended.by}` : ''}${ended.reason ? ` (${ended.reason})` : ''}` });

  const recorded = await reads.readRolloutChanges({ rolloutId: input.rolloutId, targets: input.targets });
  const changed = changedTargets(input, recorded);
  const untouched = input.targets.map((t) => t.id).filter((id) => !changed.some((c) => c.target.id === id));
  note('changes found', { detail: `${changed.length} target(s) changed by the rollout${changed.length > 0 ? `: ${changed.map((c) => `${c.target.id} (back to ${c.toVersion})`).join(', ')}` : ''}; ${untouched.length} untouched` });

  note('rolling back');
  const outcomes = changed.length === 0 ? [] : await executeChild(rollbackWorkflow, {
    workflowId: recoveryRollbackWorkflowId(input.rolloutId),
    args: [{ rolloutId: input.rolloutId, maxParallel: input.maxParallel, targets: changed.map(({ target, toVersion }) => ({ target, toVersion })), onlyFrom: input.installed }],
  });
  const unverified = outcomes.filter((o) => !o.verified);
  const state = unverified.length === 0 ? 'rolled_back' : 'rollback_incomplete';
  note(`recovery ${state}`, {
    detail: unverified.length === 0
      ? `${outcomes.filter((o) => !o.leftAlone).length} target(s) back on their previous version, each verified healthy; ${outcomes.filter((o) => o.leftAlone).length} left alone`
      : `${unverified.length} target(s) not verified: ${unverified.map((o) => `${o.targetId} (${o.detail})`).join(', ')}`,
  });
  return { rolloutId: input.rolloutId, state, by: input.by, reason: input.reason, startedAt, endedAt: isoNow(), outcomes, untouched, timeline };
}

/**
 * The targets to roll back, newest change first. A journal is the truth where there is one; a
 * target whose adapter keeps none counts as changed when the rollout's last status said it
 * installed there.
 */
function changedTargets(input: RecoveryInput, recorded: RecordedChange[]): { target: Target; toVersion: string; at: string }[] {
  const byId = new Map(input.targets.map((t) => [t.id, t] as const));
  const changes = recorded.flatMap((r) => {
    const target = byId.get(r.targetId);
    if (!target) return [];
    if (r.journal) {
      return r.installed === null ? [] : [{ target, toVersion: r.previousVersion ?? input.fallbackVersion, at: r.at ?? '' }];
    }
    const last = input.lastKnown.find((k) => k.targetId === r.targetId);
    return last && last.version === input.installed ? [{ target, toVersion: last.previousVersion ?? input.fallbackVersion, at: '' }] : [];
  });
  return changes.sort((a, b) => b.at.localeCompare(a.at));
}
