import type { z } from 'zod';

export interface InputError {
  /** Dotted path to the offending field, e.g. "phases.waves[1].bakeTime". */
  path: string;
  /** The rule it broke, in words. */
  message: string;
  pathSegments: (string | number)[];
}

export function formatPath(segments: readonly PropertyKey[]): string {
  return segments.reduce<string>((text, segment) => {
    if (typeof segment === 'number') return `${text}[${segment}]`;
    return text ? `${text}.${String(segment)}` : String(segment);
  }, '');
}

/** Flattens zod issues into one error per field, splitting unknown keys so each names its own path. */
export function toInputErrors(error: z.ZodError): InputError[] {
  return error.issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => {
        const segments = [...issue.path, key] as (string | number)[];
        return { path: formatPath(segments), message: 'unknown key', pathSegments: segments };
      });
    }
    if (issue.code === 'invalid_union' && issue.errors.length > 0 && issue.message === 'Invalid input') {
      const segments = issue.path as (string | number)[];
      return [{ path: formatPath(segments), message: 'does not match any accepted form', pathSegments: segments }];
    }
    const segments = issue.path as (string | number)[];
    const missing = issue.code === 'invalid_type' && /received undefined$/.test(issue.message);
    const message = missing ? 'is required' : issue.message;
    return [{ path: formatPath(segments), message, pathSegments: segments }];
  });
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; errors: InputError[] };

/** Parses anything from an edge of the system; never throws for bad input. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): Parsed<z.output<S>> {
  const result = schema.safeParse(input);
  return result.success ? { ok: true, value: result.data } : { ok: false, errors: toInputErrors(result.error) };
}

export function describeErrors(errors: readonly InputError[]): string {
  return errors.map((e) => `${e.path || '(root)'}: ${e.message}`).join('; ');
}
