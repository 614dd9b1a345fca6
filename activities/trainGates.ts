import type { ChannelCandidate } from '../domain/trainPick';

/**
 * Why a verified artifact of a train's channel may not be released now; null when it may. The
 * seam where change control plugs in: a quarantined version and a fleet in a freeze are refused
 * here (issue 10, points 2 and 4), so that the picker passes over them and records why. Nothing
 * refuses yet.
 */
export async function releaseRefusal(_candidate: ChannelCandidate): Promise<string | null> {
  return null;
}
