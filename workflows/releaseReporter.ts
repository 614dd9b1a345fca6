import { ActivityFailure } from '@temporalio/workflow';
import type { Playbook } from '../domain/playbook';
import type { Pace } from '../domain/velocity';
import { reads } from './activityProxies';
import type { RolloutTracker } from './rolloutTracker';

/**
 * Writes the rollout's release report (activities/releaseReport.ts) however the rollout ends:
 * completed, rolled back, failed after planning parsed its playbook, and, as an interim report,
 * each time it is held. Off for histories recorded before patch `release-report` (`enabled`).
 * A report that cannot be written is noted on the timeline; it never changes how the rollout ends.
 */
export class ReleaseReporter {
  private tracker: RolloutTracker | null = null;
  private playbook: Playbook | null = null;
  private pace: Pace | null = null;

  constructor(readonly enabled: boolean) {}

  /** Planning parsed the playbook: from here on there is something to report on. */
  attach(tracker: RolloutTracker, playbook: Playbook, pace: Pace): void {
    this.tracker = tracker;
    this.playbook = playbook;
    this.pace = pace;
  }

  /** `interim`: a held rollout's report, kept in the status only (a hold's timeline is for what happened to it). */
  async write(interim = false): Promise<void> {
    const { tracker, playbook, pace } = this;
    if (!this.enabled || !tracker || !playbook || !pace) return;
    try {
      const written = await reads.writeReleaseReport({ status: tracker.answer(), playbook, pace });
      tracker.reportWritten(written.path, interim);
    } catch (err) {
      tracker.reportFailed(err instanceof ActivityFailure && err.cause ? err.cause.message : String(err));
    }
  }

  /** The status to return once the report is written (its timeline says where). */
  answer<T>(fallback: T): T {
    return (this.enabled && this.tracker ? this.tracker.answer() : fallback) as T;
  }
}
