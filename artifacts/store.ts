/**
 * The artifact store: the folders a worker reads release archives (and customers files that go by
 * reference) from. A path in a workflow's input is the caller's word; a worker that hashed and
 * unpacked any path it was handed would read /etc/shadow for whoever can start a workflow. Known
 * to both sides: the worker refuses (activities/verifyArtifact.ts), and `rollout start` refuses
 * early when its own environment names the store.
 */
import { realpath } from 'node:fs/promises';
import path from 'node:path';

export const ARTIFACT_STORE_ENV = 'RAMPART_ARTIFACT_STORE';

/**
 * The store's folders from RAMPART_ARTIFACT_STORE (several joined by ":" as in PATH), each made
 * absolute; default the working directory. Throws on "/" (that would be no store at all).
 */
export function artifactStoreFolders(setting: string | undefined, cwd: string = process.cwd()): string[] {
  const folders = (setting ?? '').split(path.delimiter).filter((f) => f.trim() !== '').map((f) => path.resolve(cwd, f));
  const chosen = folders.length > 0 ? folders : [path.resolve(cwd)];
  for (const folder of chosen) {
    if (folder === path.parse(folder).root) {
      throw new Error(`${ARTIFACT_STORE_ENV} ${setting === undefined ? `(unset: the working directory ${cwd})` : JSON.stringify(setting)} names the file system's root; name the folder(s) artifacts are published to, such as /srv/rampart/artifacts`);
    }
  }
  return [...new Set(chosen)];
}

const below = (inner: string, outer: string) => inner.startsWith(outer.endsWith(path.sep) ? outer : `${outer}${path.sep}`);

export type StoreCheck = { ok: true; realPath: string } | { ok: false; kind: 'outside' | 'missing'; reason: string };

/**
 * Whether `file` is a regular file inside the store, after symlinks: first by its name (so that
 * nothing outside the store is even looked at), then by its real path (a link inside the store
 * pointing out of it is refused too). On success, the real path to read.
 */
export async function checkInStore(folders: readonly string[], file: string, what = 'artifact'): Promise<StoreCheck> {
  const named = path.resolve(file);
  const outside: StoreCheck = { ok: false, kind: 'outside', reason: `${what} ${file} is outside the artifact store (${folders.join(path.delimiter)}, set by ${ARTIFACT_STORE_ENV}): workers read ${what}s only from there` };
  if (!folders.some((folder) => below(named, folder))) return outside;
  const real = await realpath(named).catch(() => undefined);
  if (real === undefined) return { ok: false, kind: 'missing', reason: `${what} not found: ${file}` };
  const realFolders = await Promise.all(folders.map((folder) => realpath(folder).catch(() => undefined)));
  if (!realFolders.some((folder) => folder !== undefined && below(real, folder))) {
    return { ok: false, kind: 'outside', reason: `${what} ${file} leads to ${real} (through a symlink), outside the artifact store (${folders.join(path.delimiter)}, set by ${ARTIFACT_STORE_ENV})` };
  }
  return { ok: true, realPath: real };
}
