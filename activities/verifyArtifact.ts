import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { ApplicationFailure } from '@temporalio/common';
import { checkArchiveEntries } from '../artifacts/entries';
import { readArtifactManifest } from '../artifacts/manifest';
import { checkInStore } from '../artifacts/store';
import type { Release } from '../domain/release';

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export interface VerifiedArtifact {
  sha256: string;
  bytes: number;
  manifestVersion: string;
}

/**
 * The real path of an artifact inside the worker's artifact store, or a final refusal: a path
 * outside it is never opened, hashed or unpacked, whoever started the workflow.
 */
export async function artifactInStore(store: readonly string[], path: string): Promise<string> {
  const check = await checkInStore(store, path);
  if (!check.ok) throw ApplicationFailure.nonRetryable(check.reason, check.kind === 'missing' ? 'ArtifactMissing' : 'ArtifactOutsideStore');
  return check.realPath;
}

/**
 * Refuses an artifact outside the store, or whose digest, entries or manifest do not match the
 * release, before any target sees it. Every refusal is final: retrying cannot make a wrong digest right.
 */
export function verifyArtifactIn(store: readonly string[]) {
  return async function verifyArtifact(release: Release): Promise<VerifiedArtifact> {
    const path = await artifactInStore(store, release.artifactPath);
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile()) {
      throw ApplicationFailure.nonRetryable(`artifact not found: ${release.artifactPath}`, 'ArtifactMissing');
    }
    const actual = await sha256Of(path);
    if (actual !== release.sha256) {
      throw ApplicationFailure.nonRetryable(
        `sha256 mismatch for ${release.artifactPath}: expected ${release.sha256}, got ${actual}`,
        'ArtifactDigestMismatch',
      );
    }
    const entries = await checkArchiveEntries(path);
    if (!entries.ok) throw ApplicationFailure.nonRetryable(entries.error, 'ArtifactInvalid');
    const manifest = await readArtifactManifest(path);
    if (!manifest.ok) throw ApplicationFailure.nonRetryable(manifest.error, 'ArtifactInvalid');
    if (manifest.value.version !== release.version) {
      throw ApplicationFailure.nonRetryable(
        `the artifact's release.json says version ${manifest.value.version}, but the rollout asks for ${release.version}`,
        'ArtifactVersionMismatch',
      );
    }
    return { sha256: actual, bytes: info.size, manifestVersion: manifest.value.version };
  };
}
