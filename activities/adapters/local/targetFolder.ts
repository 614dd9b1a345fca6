import { readFile, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isSameOrBelow, relativePathProblem } from '../../../domain/confinedPath';
import { fleetSchema, type LocalTarget } from '../../../domain/fleet';
import { adapterError } from '../errors';

/** fleet.json of a 99-target local fleet is about 25 KB. */
const MAX_FLEET_FILE_BYTES = 1024 * 1024;

/**
 * The folder a local target's releases go in, after checking on disk that it really is below the
 * fleet's root: the fleet schema refuses `..` and absolute dirs, but a symlink inside the root
 * (targets/t-01 -> /etc) would still lead out of it. And the root must be a local fleet's folder:
 * its own fleet.json (what `fleet up` writes and the supervisor runs) names this target with this
 * dir, so a workflow input written by hand cannot make any folder on the worker a "root".
 * Refused before anything is read or written, as a ConfigurationError no retry can fix. A target
 * without a root comes from a rollout planned before dirs were confined: it is refused too.
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
  if (!(await fleetFileNames(root, target))) {
    throw refuse(`is not one of the fleet's: ${join(target.root, 'fleet.json')} does not name target ${target.id} with this dir (a local fleet's root holds the fleet.json its supervisor runs)`);
  }
  return folder;
}

async function fleetFileNames(root: string, target: LocalTarget): Promise<boolean> {
  const file = join(root, 'fleet.json');
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile() || info.size > MAX_FLEET_FILE_BYTES) return false;
  try {
    const raw = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    const parsed = fleetSchema.safeParse({ root: target.root, ...raw });
    return parsed.success && parsed.data.targets.some((t) => t.adapter === 'local' && t.id === target.id && t.dir === target.dir);
  } catch {
    return false;
  }
}
