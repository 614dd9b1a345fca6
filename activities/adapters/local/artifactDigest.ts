import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { adapterError } from '../errors';

/**
 * Checks the artifact's digest again on the target's side, right before unpacking: the file may
 * have changed since the build was verified, and a target must never run bytes nobody checked.
 */
export async function verifyArtifactDigest(artifact: { path: string; sha256: string }): Promise<void> {
  const info = await stat(artifact.path).catch(() => undefined);
  if (!info?.isFile()) throw adapterError('ArtifactMissing', `artifact not found: ${artifact.path}`);
  const actual = await sha256OfFile(artifact.path);
  if (actual !== artifact.sha256.toLowerCase()) {
    throw adapterError('ArtifactDigestMismatch', `sha256 mismatch for ${artifact.path}: expected ${artifact.sha256}, got ${actual}`);
  }
}

export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
