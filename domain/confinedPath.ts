import { z } from 'zod';

/**
 * Paths from files and workflow arguments that name places on a worker's disk. Pure string rules
 * (POSIX paths, no node:path: domain/ runs in the workflow sandbox too); the activities check the
 * real path on disk again, after symlinks (activities/confinement.ts).
 */

/** Why `dir` is not a plain relative path that stays below its root; undefined when it is. */
export function relativePathProblem(dir: string): string | undefined {
  if (dir.includes('\0')) return 'must not contain a NUL character';
  if (dir.startsWith('/')) return 'must be relative to the fleet\'s root, not an absolute path';
  if (dir.includes('\\')) return 'must use "/" between folders, not "\\"';
  const segments = dir.split('/');
  if (segments.some((s) => s === '..')) return 'must not contain ".." (it would leave the fleet\'s root)';
  if (segments.some((s) => s === '' || s === '.')) return 'must be a normalised path: no empty, "." or trailing segments (e.g. "targets/t-01")';
  return undefined;
}

/** A folder below a root: "targets/t-01", never "/srv/t-01", "../x" or "a/./b". */
export const relativeDirSchema = z
  .string()
  .min(1, 'expected a folder relative to the fleet\'s root, such as "targets/t-01"')
  .max(1024, 'expected at most 1024 characters')
  .superRefine((dir, ctx) => {
    const problem = relativePathProblem(dir);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

/** Why `path` is not a normalised absolute POSIX path other than "/"; undefined when it is. */
export function absoluteFolderProblem(path: string): string | undefined {
  if (path.includes('\0')) return 'must not contain a NUL character';
  if (!path.startsWith('/')) return 'must be an absolute path such as "/srv/fleet"';
  if (path === '/') return 'must be a folder below "/", not the whole file system';
  const rest = path.slice(1).replace(/\/$/, '');
  return relativePathProblem(rest) === undefined ? undefined : 'must be a normalised absolute path: no "..", "." or empty segments';
}

export const absoluteFolderSchema = z
  .string()
  .max(1024, 'expected at most 1024 characters')
  .superRefine((path, ctx) => {
    const problem = absoluteFolderProblem(path);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .transform((path) => path.replace(/\/$/, ''));

/** `inner` is `outer` or below it; both normalised relative paths (or both absolute). */
export function isSameOrBelow(inner: string, outer: string): boolean {
  return inner === outer || inner.startsWith(outer.endsWith('/') ? outer : `${outer}/`);
}

/** `root` and a relative `dir` below it, joined. */
export function joinBelow(root: string, dir: string): string {
  return `${root.replace(/\/$/, '')}/${dir}`;
}
