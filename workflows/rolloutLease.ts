import { CancellationScope, condition, getExternalWorkflowHandle, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { RampartActivities } from '../activities';
import { fleetLeaseWorkflowId } from '../contract/ids';
import { leaseAnswerSignal, leaseReleaseSignal, type LeaseAnswer } from '../contract/lease';
import { messageArgSchemas } from '../contract/messageArgs';
import type { Fleet } from '../domain/fleet';
import { handleSignal, type DropReport } from './messages';
import type { RolloutControls } from './rolloutCommands';
import type { RolloutTracker } from './rolloutTracker';

const checkIn = proxyActivities<RampartActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '500 milliseconds', maximumInterval: '5 seconds' },
});

/**
 * This rollout's side of its fleet's lease: it checks in with the fleet's lock before it reads or
 * changes any target, waits in line if its start queued it, and releases the lease when it ends
 * (rolloutWorkflow does, on every way out but continue-as-new). The answer's signal handler is
 * registered when the rollout begins, before its first await, so no answer is missed.
 */
export class RolloutLease {
  private answer: LeaseAnswer | null = null;
  /** The lock this rollout checked in with: where the release goes. */
  private lockId: string | null = null;
  /** Malformed answers dropped before the rollout's timeline existed, and where later ones go. */
  private readonly drops: string[] = [];
  private report: DropReport | null = null;

  constructor(readonly rolloutId: string) {
    // Anyone can signal a rollout through Temporal: an answer that breaks its schema is dropped.
    handleSignal(leaseAnswerSignal, messageArgSchemas.leaseAnswer, (answer) => {
      this.answer = answer;
    }, (detail) => (this.report ? this.report(detail) : this.drops.push(detail)));
  }

  /** Dropped answers are reported here (the rollout's timeline) from now on; earlier ones at once. */
  reportDropsTo(report: DropReport): void {
    this.report = report;
    for (const detail of this.drops.splice(0)) report(detail);
  }

  /**
   * Takes the lease on every target of the fleet; null once held, or why the rollout cannot run
   * (refused, or stopped while waiting in line), and it then holds nothing.
   */
  async take(fleet: Fleet, by: string, tracker: RolloutTracker, controls: RolloutControls): Promise<string | null> {
    const lockId = fleetLeaseWorkflowId(workflowInfo().taskQueue, fleet.name);
    const request = { rolloutId: this.rolloutId, targets: fleet.targets.map((t) => t.id), queue: false, by };
    this.lockId = lockId;
    await checkIn.checkInFleetLease({ lockId, fleet: fleet.name, request });
    await condition(() => this.answer !== null);
    if (this.answer?.state === 'queued') {
      tracker.leaseQueued(this.answer);
      await condition(() => this.answer?.state !== 'queued' || controls.halted);
      if (this.answer?.state === 'queued') {
        await this.release();
        return `stopped while waiting in line for the lease on fleet ${fleet.name}; no target was touched`;
      }
      tracker.leaseGranted(this.answer as LeaseAnswer);
    }
    const answer = this.answer as LeaseAnswer;
    if (answer.state === 'refused') {
      this.lockId = null;
      return `lease refused: ${answer.reason ?? 'the targets are leased to another rollout'}; no target was touched`;
    }
    tracker.leaseTakenOver(answer);
    return null;
  }

  /** Gives the lease back (or leaves the line); safe to call when none is held. Never cancelled, never fails the rollout. */
  async release(): Promise<void> {
    const lockId = this.lockId;
    if (!lockId) return;
    this.lockId = null;
    await CancellationScope.nonCancellable(async () => {
      await getExternalWorkflowHandle(lockId).signal(leaseReleaseSignal, { rolloutId: this.rolloutId }).catch(() => undefined);
    });
  }
}
