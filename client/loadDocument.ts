import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { LineCounter, parseDocument, isNode, type Document } from 'yaml';
import type { z } from 'zod';
import { parseInput } from '../domain/issues';
import { UserError } from './exitCodes';

export interface LocatedError {
  file: string;
  line?: number;
  column?: number;
  path: string;
  message: string;
}

export function formatLocated(e: LocatedError): string {
  const where = e.line ? `${e.file}:${e.line}:${e.column}` : e.file;
  return `${where}: ${e.path || '(document)'}: ${e.message}`;
}

/** Why a file could not be loaded: every problem, each with its line and the field's path. */
export class DocumentError extends UserError {
  constructor(readonly errors: LocatedError[]) {
    super(errors.map(formatLocated).join('\n'));
    this.name = 'DocumentError';
  }
}

/** Playbooks, fleets and escalation policies are small: 1 MiB, as a file and as data. */
export const DOCUMENT_LIMIT_BYTES = 1024 * 1024;

const fail = (file: string, message: string): DocumentError => new DocumentError([{ file, path: '', message }]);

/**
 * Reads a regular file of at most `maxBytes`. A FIFO, a device (/dev/zero) or a folder is refused
 * before a byte is read: opened without blocking, checked on the open descriptor, read to the cap.
 */
async function readText(file: string, maxBytes: number): Promise<string> {
  let handle: FileHandle;
  try {
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw fail(file, code === 'ENOENT' ? 'file not found' : `cannot read file (${code})`);
  }
  try {
    const info = await handle.stat();
    if (info.isDirectory()) throw fail(file, 'is a folder, expected a file');
    if (!info.isFile()) throw fail(file, 'is not a regular file (a pipe, socket or device); expected a file');
    if (info.size > maxBytes) throw fail(file, `is ${info.size} bytes; files of this kind may be at most ${maxBytes} bytes`);
    // Read one byte past the cap: a file that grew since the stat is refused too.
    const buffer = Buffer.alloc(Math.min(info.size, maxBytes) + 1);
    let length = 0;
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > maxBytes) throw fail(file, `is more than ${maxBytes} bytes; files of this kind may be at most ${maxBytes} bytes`);
    return buffer.subarray(0, length).toString('utf8');
  } catch (err) {
    if (err instanceof DocumentError) throw err;
    throw fail(file, `cannot read file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  } finally {
    await handle.close();
  }
}

/** The document as data: aliases expanded. The `yaml` library refuses an alias bomb here, by throwing. */
function toData(file: string, doc: Document.Parsed, maxBytes: number): unknown {
  let raw: unknown;
  try {
    raw = doc.toJS();
  } catch (err) {
    const why = err instanceof ReferenceError && /alias/i.test(err.message) ? 'too many aliases (a YAML alias bomb?)' : (err as Error).message;
    throw fail(file, `not valid YAML: ${why}`);
  }
  // Aliases can make a small file large data: the data is capped as well as the file. An alias
  // inside the node it names makes the data a cycle, which no workflow input can carry.
  let json: string;
  try {
    json = JSON.stringify(raw) ?? '';
  } catch {
    throw fail(file, 'not valid YAML: an alias refers to a node that contains it (a cycle)');
  }
  const bytes = Buffer.byteLength(json);
  if (bytes > maxBytes) throw fail(file, `is ${bytes} bytes as data (aliases expanded); files of this kind may be at most ${maxBytes} bytes`);
  return raw;
}

/**
 * Loads a YAML (or JSON) file and validates it, keeping positions so each error points at its line.
 * Returns the raw document too: the workflow is handed what the user wrote.
 */
export async function loadDocument<S extends z.ZodType>(
  file: string,
  schema: S,
  options: { maxBytes?: number } = {},
): Promise<{ raw: unknown; value: z.output<S> }> {
  const maxBytes = options.maxBytes ?? DOCUMENT_LIMIT_BYTES;
  const text = await readText(file, maxBytes);
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new DocumentError(doc.errors.map((e) => {
      // Without prettyErrors the library sets no linePos: the offset gives the line and column.
      const pos = e.linePos?.[0] ?? lineCounter.linePos(e.pos[0]);
      return { file, line: pos?.line, column: pos?.col, path: '', message: `not valid YAML: ${e.message.split('\n')[0]}` };
    }));
  }
  const raw = toData(file, doc, maxBytes);
  const parsed = parseInput(schema, raw);
  if (parsed.ok) return { raw, value: parsed.value };
  throw new DocumentError(parsed.errors.map((e) => {
    // Point at the deepest node that exists: a missing key is reported where its parent is.
    let node: unknown;
    for (let depth = e.pathSegments.length; depth >= 0 && !isNode(node); depth--) {
      node = depth === 0 ? doc.contents : doc.getIn(e.pathSegments.slice(0, depth), true);
    }
    const offset = isNode(node) ? node.range?.[0] : undefined;
    const pos = offset !== undefined ? lineCounter.linePos(offset) : undefined;
    return { file, line: pos?.line, column: pos?.col, path: e.path, message: e.message };
  }));
}
