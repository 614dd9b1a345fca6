import { fleetSchema } from '../domain/fleet';
import { playbookSchema } from '../domain/playbook';
import type { RolloutInput } from '../domain/rolloutInput';
import { describeBreakGlass } from '../domain/breakGlass';
import { startedRolloutStatus, type Interruption, type RecoverySummary, type RolloutStatus } from '../domain/rolloutStatus';

/**
 * The status of a rollout that ended behind Rampart's back: what it last reported (or, when no
 * worker can answer for it, what its input says), with the real end laid over it, and the
 * recovery's progress once `rollout recover` began.
 */
export function interruptedStatus(lastKnown: RolloutStatus, interruption: Omit<Interruption, 'lastState'>, recovery: RecoverySummary | null): RolloutStatus {
  const status: RolloutStatus = { ...lastKnown, targets: lastKnown.targets.map((t) => ({ ...t })), timeline: [...lastKnown.timeline] };
  status.interrupted = { ...interruption, lastState: lastKnown.state };
  status.state = interruption.how;
  status.phase = 'done';
  status.endedAt = interruption.at;
  status.awaitingApproval = null;
  status.timeline.push({
    at: interruption.at,
    event: `rollout ${interruption.how}`,
    ...(interruption.by ? { by: interruption.by } : {}),
    ...(interruption.reason ? { reason: interruption.reason } : {}),
    detail: `ended outside Rampart while ${lastKnown.state}${lastKnown.step ? ` in ${lastKnown.step}` : ''}${recovery ? '' : `; targets stay where it left them until "rampart rollout recover ${lastKnown.rolloutId}"`}`,
  });
  if (!recovery) return status;
  status.recovery = recovery;
  status.timeline.push({ at: recovery.startedAt, event: 'recovery requested', by: recovery.by, reason: recovery.reason });
  if (recovery.endedAt) status.timeline.push({ at: recovery.endedAt, event: `recovery ${recovery.state}` });
  for (const outcome of recovery.outcomes) {
    const target = status.targets.find((t) => t.id === outcome.targetId);
    if (!target) continue;
    target.version = outcome.version;
    target.state = outcome.detail.startsWith('left alone') ? 'left_alone' : outcome.verified ? 'rolled_back' : 'rollback_unverified';
  }
  return status;
}

/** When no worker answers for the closed rollout: the status its input alone can give. */
export function statusFromInput(input: RolloutInput, startedAt: string): RolloutStatus {
  const fleet = fleetSchema.safeParse(input.fleet);
  const playbook = playbookSchema.safeParse(input.playbook);
  const fromVersion = fleet.success ? fleet.data.version : 'unknown';
  return startedRolloutStatus({
    rolloutId: input.rolloutId,
    playbook: playbook.success ? playbook.data.name : 'unknown',
    method: playbook.success ? playbook.data.method : 'unknown',
    version: input.release.version,
    fromVersion,
    startedBy: input.startedBy,
    startedAt,
    // Unknown from the input alone: shown as not yet changed; the install journals have the truth.
    targets: fleet.success ? fleet.data.targets.map((t) => ({ id: t.id, step: null, version: fromVersion, previousVersion: null, state: 'pending', health: null })) : [],
    timeline: [
      { at: startedAt, event: 'started', by: input.startedBy, detail: 'no worker answered for this closed rollout: status read from its input only' },
      ...(input.breakGlass ? [{ at: startedAt, event: 'break-glass', by: input.breakGlass.approver, reason: input.breakGlass.reason, detail: describeBreakGlass(input.breakGlass) }] : []),
    ],
  });
}
