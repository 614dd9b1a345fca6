import { open, readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { constants } from 'node:fs';
import type { SkippedArtifact } from '../contract/train';
import { checkInStore } from '../artifacts/store';
import { readArtifactManifest } from '../artifacts/manifest';
import { chooseRelease, type ChannelCandidate, type TrainPick } from '../domain/trainPick';
import { releaseSchema } from '../domain/release';
import { releaseGates } from './trainGates';
import { verifyArtifactIn } from './verifyArtifact';

/** A channel folder is read to this many artifacts (newest names last are not preferred: all are read, up to the cap). */
const MAX_CHANNEL_ARTIFACTS = 200;

export type ChannelPick = (TrainPick | { kind: 'refused'; reason: string }) & { skipped: SkippedArtifact[] };

/** The digest published beside an artifact (sha256sum format); the name in it, if any, must be the artifact's. */
async function readDigest(artifact: string): Promise<string | string[]> {
  let handle;
  try {
    handle = await open(`${artifact}.sha256`, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch {
    return ['no .sha256 file beside it'];
  }
  try {
    const info = await handle.stat();
    if (!info.isFile() || info.size > 4096) return ['its .sha256 is not a small regular file'];
    const [digest, name] = (await handle.readFile('utf8')).trim().split(/\s+/);
    if (!digest || !/^[0-9a-f]{64}$/.test(digest)) return ['its .sha256 holds no sha256 digest'];
    if (name && name.replace(/^\*/, '') !== basename(artifact)) return [`its .sha256 names ${name}, another artifact`];
    return digest;
  } finally {
    await handle.close();
  }
}

/**
 * The release channel read at a train's run: every app-*.tar.gz in the folder that has its
 * digest beside it and verifies as a rollout's verifyArtifact would (store, digest, entries,
 * manifest), then past the release gates; of those, chooseRelease picks.
 */
export function trainChannelActivities(store: readonly string[]) {
  const verify = verifyArtifactIn(store);
  return {
    async pickTrainRelease(args: { channel: string; fleetVersions: Record<string, string | null> }): Promise<ChannelPick> {
      const folder = await checkInStore(store, args.channel, 'release channel');
      if (!folder.ok) return { kind: 'refused', reason: folder.reason, skipped: [] };
      const names = (await readdir(folder.realPath).catch(() => null));
      if (names === null) return { kind: 'refused', reason: `release channel ${args.channel} is not a readable folder`, skipped: [] };
      const gates = await releaseGates();
      if (gates.refusedAll) return { kind: 'refused', reason: gates.refusedAll, skipped: [] };
      const skipped: SkippedArtifact[] = [];
      const candidates: ChannelCandidate[] = [];
      for (const name of names.filter((n) => n.endsWith('.tar.gz')).sort().slice(-MAX_CHANNEL_ARTIFACTS)) {
        const file = join(args.channel, name);
        const digest = await readDigest(file);
        if (Array.isArray(digest)) {
          skipped.push({ file: name, reason: digest[0] as string });
          continue;
        }
        const manifest = await readArtifactManifest(file);
        if (!manifest.ok) {
          skipped.push({ file: name, reason: manifest.error });
          continue;
        }
        const release = releaseSchema.safeParse({ version: manifest.value.version, artifactPath: file, sha256: digest, notes: manifest.value.notes || `Release ${manifest.value.version}` });
        if (!release.success) {
          skipped.push({ file: name, reason: `its manifest cannot make a release (${release.error.issues[0]?.message ?? 'invalid'})` });
          continue;
        }
        try {
          await verify(release.data);
        } catch (err) {
          skipped.push({ file: name, reason: (err as Error).message });
          continue;
        }
        const candidate = { file: name, release: release.data };
        const refusal = gates.refusal(candidate);
        if (refusal) skipped.push({ file: name, reason: refusal });
        else candidates.push(candidate);
      }
      return { ...chooseRelease(candidates, args.fleetVersions), skipped };
    },
  };
}
