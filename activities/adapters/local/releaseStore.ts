import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, readlink, rename, rm, symlink } from 'node:fs/promises';
import { basename, join } from 'node:path';
import * as tar from 'tar';
import { checkArchiveEntries } from '../../../artifacts/entries';
import { manifestSchema } from '../../../domain/release';
import { adapterError } from '../errors';

/**
 * A target directory's releases: releases/<version>/ (unpacked artifacts) and `current`, a
 * relative symlink to the one the target runs. Every change is made aside and renamed into
 * place, so a crash at any moment leaves either the old state or the new one, never a mix.
 */

const releaseDir = (dir: string, version: string) => join(dir, 'releases', version);
const aside = (name: string) => `.${name}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;

/** The version `current` points at, or null when the target has none. */
export async function currentVersion(dir: string): Promise<string | null> {
  const link = await readlink(join(dir, 'current')).catch(() => null);
  return link === null ? null : basename(link);
}

/** A release counts as present only when its manifest is there and names that version. */
export async function hasRelease(dir: string, version: string): Promise<boolean> {
  try {
    const manifest = manifestSchema.safeParse(JSON.parse(await readFile(join(releaseDir(dir, version), 'release.json'), 'utf8')));
    return manifest.success && manifest.data.version === version;
  } catch {
    return false;
  }
}

/** Unpacks the artifact into releases/<version>, unless a complete copy is already there. */
export async function unpackRelease(dir: string, version: string, artifactPath: string): Promise<void> {
  if (await hasRelease(dir, version)) return;
  // The rules verification applied (artifacts/entries.ts), again on the bytes about to be
  // unpacked; strict, so that tar turns any entry it would drop or rewrite into an error.
  const entries = await checkArchiveEntries(artifactPath);
  if (!entries.ok) throw adapterError('ArtifactInvalid', entries.error);
  const releases = join(dir, 'releases');
  await mkdir(releases, { recursive: true });
  const staging = join(releases, aside(version));
  await mkdir(staging);
  try {
    await tar.x({ file: artifactPath, cwd: staging, strict: true, preserveOwner: false });
    const manifest = manifestSchema.safeParse(JSON.parse(await readFile(join(staging, 'release.json'), 'utf8').catch(() => 'null')));
    if (!manifest.success) throw adapterError('ArtifactInvalid', `${artifactPath} has no valid release.json at its root`);
    if (manifest.data.version !== version) {
      throw adapterError('ArtifactInvalid', `${artifactPath} holds version ${manifest.data.version}, not ${version}`);
    }
    // Whatever is at releases/<version> is incomplete (hasRelease said so): replace it.
    await rm(releaseDir(dir, version), { recursive: true, force: true });
    await rename(staging, releaseDir(dir, version));
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/**
 * Points `current` at releases/<version> with one rename over the old link. Returns false when it
 * already pointed there: a resumed change must not switch twice.
 */
export async function switchCurrent(dir: string, version: string): Promise<boolean> {
  const target = join('releases', version);
  if ((await readlink(join(dir, 'current')).catch(() => null)) === target) return false;
  const temp = join(dir, aside('current'));
  await symlink(target, temp);
  try {
    await rename(temp, join(dir, 'current'));
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
  await syncDirectory(dir);
  return true;
}

/** Makes the rename itself durable, not just the data: otherwise a power cut could undo the switch. */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r').catch(() => undefined);
  if (!handle) return;
  try {
    await handle.sync();
  } catch {
    // some file systems refuse fsync on a directory; the switch itself already happened
  } finally {
    await handle.close();
  }
}
