import { log, setHandler, type SignalDefinition } from '@temporalio/workflow';
import type { z } from 'zod';
import { describeErrors, parseInput } from '../domain/issues';

/** A dropped Signal's note is cut to this: it names the fields, never repeats what was sent. */
const DETAIL_MAX = 300;
/** A refusal's text is cut to this (an unknown key's name can be any length). */
const REFUSAL_MAX = 1_000;
/** A workflow notes this many dropped messages on its timeline; later ones go to the worker's log only. */
export const DROPPED_NOTES_MAX = 20;

/** Where a workflow reports a Signal it dropped: its timeline, where it has one. */
export type DropReport = (detail: string) => void;

function cut(text: string, max = DETAIL_MAX): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * The report of a workflow's dropped Signals: every one is logged; the first DROPPED_NOTES_MAX
 * are noted too (`note`, e.g. a timeline entry), so a flood of bad Signals cannot grow the status.
 */
export function dropReport(workflow: string, note?: (detail: string) => void): DropReport {
  let dropped = 0;
  return (detail) => {
    dropped++;
    log.warn(`${workflow}: dropped a malformed signal: ${detail}`);
    if (!note || dropped > DROPPED_NOTES_MAX) return;
    note(dropped === DROPPED_NOTES_MAX ? `${detail} (further malformed signals are only logged)` : detail);
  };
}

/**
 * Sets a Signal's handler behind its schema. A Signal cannot be refused, and a handler that
 * throws fails every later workflow task, so a Signal whose argument breaks the schema is
 * dropped and reported; the handler only ever sees a parsed argument.
 */
export function handleSignal<S extends z.ZodType>(
  signal: SignalDefinition<[z.input<S>]> | SignalDefinition<[z.output<S>]>,
  schema: S,
  handler: (arg: z.output<S>) => void,
  dropped: DropReport,
): void {
  setHandler(signal as SignalDefinition<unknown[]>, (...args: unknown[]) => {
    const parsed = parseInput(schema, args[0]);
    if (parsed.ok) handler(parsed.value);
    else dropped(cut(`${signal.name}: ${describeErrors(parsed.errors)}`));
  });
}

/**
 * An Update validator's or a Query's argument, parsed: a bad one throws an Error naming each
 * field and its rule (`invalid command: by: expected a user name …`). In a validator that
 * refuses the Update before anything enters history; in a Query it fails only that Query.
 */
export function parseArg<S extends z.ZodType>(what: string, schema: S, arg: unknown): z.output<S> {
  const parsed = parseInput(schema, arg);
  if (!parsed.ok) throw new Error(cut(`invalid ${what}: ${describeErrors(parsed.errors)}`, REFUSAL_MAX));
  return parsed.value;
}
