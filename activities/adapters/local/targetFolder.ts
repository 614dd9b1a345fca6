import { realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { isSameOrBelow, relativePathProblem } from '../../../domain/confinedPath';
import type { LocalTarget } from '../../../domain/fleet';
import { adapterError } from '../errors';

/**
 * The folder a local target's releases go in, after checking on disk that it really is below the
 * fleet's root: the fleet schema refuses `..` and absolute dirs, but a symlink inside the root
 * (targets/t-01 -> /etc) would still lead out of it. Refused before anything is read or written,
 * as a ConfigurationError no retry can fix. A target without a root comes from a rollout planned
 * before dirs were confined (or from a hand-made workflow input): it is refused too.
 */
export async function confinedTargetFolder(target: LocalTarget): Promise<string> {
  const refuse = (why: string) => adapterError('ConfigurationError', `target ${target.id}: dir ${JSON.stringify(target.dir)} ${why}; nothing was changed`);
  if (target.root === undefined || !target.root.startsWith('/')) throw refuse('has no absolute fleet root to stay inside');
  const problem = relativePathProblem(target.dir);
  if (problem) throw refuse(problem);
  const root = await realpath(target.root).catch(() => undefined);
  if (root === undefined) throw refuse(`cannot be used: the fleet's root ${target.root} does not exist on this worker`);
  const folder = await realpath(join(target.root, target.dir)).catch(() => undefined);
  if (folder === undefined) throw refuse(`does not exist below the fleet's root ${target.root}`);
  if (folder === root || !isSameOrBelow(folder, root)) throw refuse(`leads to ${folder} (through a symlink), outside the fleet's root ${root}`);
  return folder;
}
