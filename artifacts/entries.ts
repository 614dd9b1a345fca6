/**
 * What a release archive may hold: regular files, folders, and links that stay inside the tree.
 * Extraction (tar's defaults) would silently drop or rewrite anything else (an entry named
 * `../x` is skipped, `/etc/x` loses its leading "/", a device file is ignored) and keep a symlink
 * to /etc as it is. So verification refuses such an archive with the entry named, before any
 * target sees it, and the local adapter applies the same rules again right before unpacking.
 */
import path from 'node:path';
import * as tar from 'tar';

const KEPT_TYPES = new Set(['File', 'OldFile', 'ContiguousFile', 'Directory', 'SymbolicLink', 'Link']);
const MAX_ENTRIES = 100_000;

export interface ArchiveEntry {
  type: string;
  path: string;
  linkpath?: string | undefined;
}

/** Why extraction would not reproduce `entry` faithfully inside the release folder; undefined when it would. */
export function entryProblem(entry: ArchiveEntry): string | undefined {
  const name = entry.path;
  if (!KEPT_TYPES.has(entry.type)) return `is a ${entry.type} entry; a release holds only files, folders and links inside it`;
  if (name.includes('\0')) return 'has a NUL character in its name';
  if (path.posix.isAbsolute(name) || /^[A-Za-z]:/.test(name) || name.includes('\\')) return 'has an absolute path; entries must be relative to the archive root';
  if (name.split('/').includes('..')) return 'contains ".." and would be written outside the release folder';
  if (entry.type === 'SymbolicLink' || entry.type === 'Link') {
    const link = entry.linkpath ?? '';
    if (link === '' || path.posix.isAbsolute(link) || link.includes('\\')) return `is a link to ${JSON.stringify(link)}, outside the release folder`;
    // A symlink's target is relative to its own folder; a hard link's to the archive root.
    const from = entry.type === 'SymbolicLink' ? path.posix.dirname(name) : '.';
    const resolved = path.posix.normalize(path.posix.join(from, link));
    if (resolved === '..' || resolved.startsWith('../')) return `is a link to ${JSON.stringify(link)}, outside the release folder`;
  }
  return undefined;
}

/** Lists the archive and checks every entry; the first problem names the entry. */
export async function checkArchiveEntries(file: string): Promise<{ ok: true; entries: number } | { ok: false; error: string }> {
  let problem: string | undefined;
  let entries = 0;
  try {
    await tar.t({
      file,
      onReadEntry: (entry) => {
        entries++;
        if (problem === undefined) {
          const why = entries > MAX_ENTRIES ? `is beyond the limit of ${MAX_ENTRIES} entries` : entryProblem({ type: entry.type, path: entry.path, linkpath: entry.linkpath });
          if (why) problem = `${file}: entry ${JSON.stringify(entry.path)} ${why}`;
        }
        entry.resume();
      },
    });
  } catch (err) {
    return { ok: false, error: `${file} is not a readable gzip tar archive (${(err as Error).message})` };
  }
  return problem === undefined ? { ok: true, entries } : { ok: false, error: problem };
}
