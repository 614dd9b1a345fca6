import { constants } from 'node:fs';
import { access, mkdir, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

/**
 * Makes `dir` ready to write files into, creating missing folders; returns why it cannot be (and
 * then has written nothing), or undefined. The folders are created one at a time, not with
 * `mkdir -p`: Node's recursive mkdir spins forever on a path such as /proc/x.
 */
export async function prepareOutputFolder(dir: string): Promise<string | undefined> {
  const wanted = resolve(dir);
  const missing: string[] = [];
  for (let path = wanted; ; path = dirname(path)) {
    const info = await stat(path).catch((err: NodeJS.ErrnoException) => err);
    if (info instanceof Error) {
      if (info.code !== 'ENOENT' && info.code !== 'ENOTDIR') return `cannot use ${path} (${info.code})`;
      if (dirname(path) === path) return `cannot create ${wanted}`;
      missing.unshift(path);
      continue;
    }
    if (!info.isDirectory()) return path === wanted ? `${wanted} exists and is not a folder` : `${path} is not a folder, so ${wanted} cannot be created`;
    if (!(await access(path, constants.W_OK).then(() => true, () => false))) return `${path} is not writable`;
    break;
  }
  for (const path of missing) {
    const failed = await mkdir(path).then(() => undefined, (err: NodeJS.ErrnoException) => err.code ?? err.message);
    if (failed) return `cannot create ${path} (${failed})`;
  }
  return undefined;
}

/** Why `dir`, when it exists, is not a folder (so nothing can be in it), or undefined. */
export async function notAFolderProblem(dir: string): Promise<string | undefined> {
  const info = await stat(dir).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? null : err));
  if (info instanceof Error) return `cannot use ${resolve(dir)} (${(info as NodeJS.ErrnoException).code})`;
  return info && !info.isDirectory() ? `${resolve(dir)} is not a folder` : undefined;
}
