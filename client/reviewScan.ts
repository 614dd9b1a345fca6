import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { reviewSchema, reviewSchemaAsOf, reviewStanding, type Review } from '../domain/review';
import { DocumentError, loadDocument, type LocatedError } from './loadDocument';

/**
 * What `rampart review due` reads: every YAML or JSON file under the given paths, with only its
 * top-level `review:` block checked, so any kind of file that carries one (playbooks, escalation
 * policies, release trains, kinds to come) is listed the same way. A file that cannot be read is
 * reported with its position and the scan goes on.
 */

/** Bounds of one scan: a folder tree is walked to this depth and this many files at most. */
export const SCAN_LIMITS = { depth: 20, files: 10_000 } as const;

const DOCUMENT_FILE = /\.(ya?ml|json)$/i;

export type ReviewedRow = { file: string; kind: string; review: Review; daysLeft: number; overdue: boolean };
export interface ScanResult {
  reviewed: ReviewedRow[];
  /** Playbooks, escalation policies and trains without a review block. */
  unreviewed: { file: string; kind: string }[];
  errors: LocatedError[];
}

/** Any mapping with an optional review block; other keys belong to the file's own kind and are not checked here. */
const reviewedFileSchema = z.preprocess(
  (data) => (typeof data === 'object' && data !== null && !Array.isArray(data) ? data : {}),
  z.looseObject({ review: reviewSchema.optional() }),
);

/** Kinds that change control expects to be reviewed: listed when they carry no review block. */
const REVIEWED_KINDS = new Set(['playbook', 'escalation policy', 'train']);

/** What a file is, from its shape: the kinds Rampart reads, or the file's own `kind:` word. */
export function kindOf(file: string, data: unknown): string {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return 'document';
  const doc = data as Record<string, unknown>;
  if ('policies' in doc) return 'escalation policy';
  if ('method' in doc && 'phases' in doc) return 'playbook';
  if (typeof doc.kind === 'string' && /^[a-z][a-z -]{0,39}$/.test(doc.kind)) return doc.kind;
  if (file.split(path.sep).includes('trains') || 'schedule' in doc || 'calendar' in doc) return 'train';
  return 'document';
}

/** The files under `paths`, in a stable order; dot-folders, node_modules and symbolic links inside folders are skipped. */
async function listFiles(paths: string[], errors: LocatedError[]): Promise<string[]> {
  const found: string[] = [];
  const walk = async (dir: string, depth: number): Promise<void> => {
    if (depth > SCAN_LIMITS.depth) {
      errors.push({ file: dir, path: '', message: `deeper than ${SCAN_LIMITS.depth} folders; not read` });
      return;
    }
    const listed = await readdir(dir, { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
      errors.push({ file: dir, path: '', message: `cannot read folder (${err.code ?? err.message})` });
      return [];
    });
    const entries = listed.sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory() && !entry.name.startsWith('.') && entry.name !== 'node_modules') await walk(file, depth + 1);
      else if (entry.isFile() && DOCUMENT_FILE.test(entry.name)) found.push(file);
      if (found.length > SCAN_LIMITS.files) return;
    }
  };
  for (const given of paths) {
    const info = await stat(given).catch(() => undefined);
    if (info?.isDirectory()) await walk(given, 0);
    // A named file is read whatever its name; loadDocument reports one that is missing or no regular file.
    else found.push(given);
  }
  if (found.length > SCAN_LIMITS.files) {
    errors.push({ file: paths.join(', '), path: '', message: `more than ${SCAN_LIMITS.files} files; the first ${SCAN_LIMITS.files} were read` });
    found.length = SCAN_LIMITS.files;
  }
  return found;
}

export async function scanReviews(paths: string[], now: Date): Promise<ScanResult> {
  const result: ScanResult = { reviewed: [], unreviewed: [], errors: [] };
  const schema = reviewSchemaAsOf(reviewedFileSchema, now);
  for (const file of await listFiles(paths, result.errors)) {
    let loaded: { raw: unknown; value: unknown };
    try {
      loaded = await loadDocument(file, schema);
    } catch (err) {
      if (!(err instanceof DocumentError)) throw err;
      result.errors.push(...err.errors);
      continue;
    }
    const kind = kindOf(file, loaded.raw);
    const standing = reviewStanding(loaded.value, now);
    if (standing.state === 'unreviewed') {
      if (REVIEWED_KINDS.has(kind)) result.unreviewed.push({ file, kind });
      continue;
    }
    result.reviewed.push({ file, kind, review: standing.review, daysLeft: standing.daysLeft, overdue: standing.state === 'overdue' });
  }
  result.reviewed.sort((a, b) => a.daysLeft - b.daysLeft || a.file.localeCompare(b.file));
  return result;
}
