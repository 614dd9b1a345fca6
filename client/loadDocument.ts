import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument, isNode } from 'yaml';
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

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new DocumentError([{ file, path: '', message: code === 'ENOENT' ? 'file not found' : `cannot read file (${code})` }]);
  }
}

/**
 * Loads a YAML (or JSON) file and validates it, keeping positions so each error points at its line.
 * Returns the raw document too: the workflow is handed what the user wrote.
 */
export async function loadDocument<S extends z.ZodType>(file: string, schema: S): Promise<{ raw: unknown; value: z.output<S> }> {
  const text = await readText(file);
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new DocumentError(doc.errors.map((e) => {
      const pos = e.linePos?.[0];
      return { file, line: pos?.line, column: pos?.col, path: '', message: `not valid YAML: ${e.message.split('\n')[0]}` };
    }));
  }
  const raw: unknown = doc.toJS();
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
