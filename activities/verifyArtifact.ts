import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { ApplicationFailure } from '@temporalio/common';
import { readArtifactManifest } from '../artifacts/manifest';
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
 * Refuses an artifact whose digest or manifest does not match the release, before any target
 * sees it. Every refusal is final: retrying cannot make a wrong digest right.
 */
export async function verifyArtifact(release: Release): Promise<VerifiedArtifact> {
  const info = await stat(release.artifactPath).catch(() => undefined);
  if (!info?.isFile()) {
    throw ApplicationFailure.nonRetryable(`artifact not found: ${release.artifactPath}`, 'ArtifactMissing');
  }
  const actual = await sha256Of(release.artifactPath);
  if (actual !== release.sha256) {
    throw ApplicationFailure.nonRetryable(
      `sha256 mismatch for ${release.artifactPath}: expected ${release.sha256}, got ${actual}`,
      'ArtifactDigestMismatch',
    );
  }
  const manifest = await readArtifactManifest(release.artifactPath);
  if (!manifest.ok) throw ApplicationFailure.nonRetryable(manifest.error, 'ArtifactInvalid');
  if (manifest.value.version !== release.version) {
    throw ApplicationFailure.nonRetryable(
      `the artifact is version ${manifest.value.version}, not ${release.version}`,
      'ArtifactVersionMismatch',
    );
  }
  return { sha256: actual, bytes: info.size, manifestVersion: manifest.value.version };
}
