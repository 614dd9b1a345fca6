import type { z } from 'zod';
import { parseInput } from '../domain/issues';
import { UserError } from './exitCodes';

/** Parses command-line flags with zod; a bad flag is exit 2 naming the flag and its rule. */
export function parseFlags<S extends z.ZodType>(schema: S, flags: unknown): z.output<S> {
  const parsed = parseInput(schema, flags);
  // Named as the user typed it: commander's ackDeadline is --ack-deadline on the command line.
  if (!parsed.ok) throw new UserError(parsed.errors.map((e) => `--${e.path.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}: ${e.message}`).join('\n'));
  return parsed.value;
}
