import { changeControlBar, describeLineStop } from '../contract/changeControl';
import type { ChannelCandidate } from '../domain/trainPick';
import { readChangeControl } from './changeControl';

/**
 * Change control at a train's run, read once per run: while the line is stopped nothing is
 * released (`refusedAll`); a quarantined version is passed over, and the picker records why
 * (`refusal`), so the run takes the newest version that is not. Freezes join here (issue 10, point 2).
 */
export async function releaseGates(): Promise<{ refusedAll: string | null; refusal: (candidate: ChannelCandidate) => string | null }> {
  const state = await readChangeControl();
  return {
    refusedAll: state?.line ? describeLineStop(state.line) : null,
    refusal: (candidate) => {
      const bar = state ? changeControlBar(state, candidate.release.version) : null;
      return bar?.quarantine ? bar.reason : null;
    },
  };
}
