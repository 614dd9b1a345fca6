/**
 * Which release a train's run ships: the newest artifact of the channel that passed every check,
 * unless the fleet already runs it or something newer. "Already runs" is what the fleet's targets
 * report themselves (their adapter's probe: /health on a local target), read at the run.
 */
import type { Release } from './release';
import { compareVersions } from './versionOrder';

export interface ChannelCandidate {
  file: string;
  release: Release;
}

export type TrainPick =
  | { kind: 'release'; release: Release; file: string }
  | { kind: 'nothing'; reason: string };

/**
 * `candidates` are verified and past every gate. A train never downgrades: when some target runs
 * a version newer than the newest candidate, nothing is released either.
 */
export function chooseRelease(candidates: readonly ChannelCandidate[], fleetVersions: Record<string, string | null>): TrainPick {
  const newest = [...candidates].sort((a, b) => compareVersions(b.release.version, a.release.version))[0];
  if (!newest) return { kind: 'nothing', reason: 'the channel holds no verified artifact' };
  const version = newest.release.version;
  const targets = Object.entries(fleetVersions);
  if (targets.length > 0 && targets.every(([, v]) => v === version)) {
    return { kind: 'nothing', reason: `every target of the fleet already runs ${version}, the newest verified artifact in the channel` };
  }
  const ahead = targets.find(([, v]) => v !== null && compareVersions(v, version) > 0);
  if (ahead) {
    return { kind: 'nothing', reason: `target ${ahead[0]} runs ${ahead[1]}, newer than ${version}, the newest verified artifact in the channel: a train never downgrades` };
  }
  return { kind: 'release', release: newest.release, file: newest.file };
}
