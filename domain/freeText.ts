import { z } from 'zod';

/**
 * Characters no free text needs and an attacker can use: C0 controls (ESC starts ANSI/OSC
 * sequences that rewrite a terminal, CR and backspace overwrite what is shown), DEL, C1 controls
 * (0x9b is a one-byte CSI on some terminals), the bidi embeddings, overrides and isolates
 * (U+202E shows "gpj.exe" as "exe.jpg"), and the line/paragraph separators some viewers break on.
 */
const UNSAFE_EXCEPT_NEWLINE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/g;
const UNSAFE_WITH_NEWLINE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/g;

/**
 * Whole escape sequences go, not only their ESC: CSI (`ESC [ 2 J`), OSC up to BEL or ST
 * (`ESC ] 0 ; title BEL`), and the two-character ones. Stripping ESC alone would leave "[2J" behind.
 */
const ESCAPE_SEQUENCE = /\u001b(?:\[[0-?]*[ -/]*[@-~]|\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|[@-Z\\-_])|\u009b[0-?]*[ -/]*[@-~]/g;

/** What one kind of field may hold: caps are per kind, the same wherever the kind appears. */
export const TEXT_CAPS = {
  /** A person's, tier's, customer's or component's display name. */
  name: 80,
  /** A reason, a summary, a checklist item: one line. */
  line: 500,
  /** A note, a root cause, an alert detail: may span lines. */
  note: 2000,
  /** Release notes and customer-facing prose. */
  prose: 20_000,
} as const;

/**
 * Strips what free text must never carry. Tabs become spaces; CR LF and lone CR become LF; in a
 * single-line field every line break becomes a space. Used by the schemas and by edges that
 * build text themselves (the alert normaliser).
 */
export function cleanText(text: string, multiline = false): string {
  const unified = text.replace(ESCAPE_SEQUENCE, '').replace(/\r\n?/g, '\n').replace(/\t/g, ' ');
  if (!multiline) return unified.replace(/\n+/g, ' ').replace(UNSAFE_WITH_NEWLINE, '').trim();
  return unified.replace(UNSAFE_EXCEPT_NEWLINE, '').trim();
}

/**
 * One free-text field: cleaned (see cleanText), trimmed, then capped. The cap is counted after
 * cleaning, and the error states it and the length found; the caller's path names the field.
 */
export function freeText(maxChars: number, options: { multiline?: boolean } = {}) {
  const multiline = options.multiline ?? false;
  return z
    .string({ error: 'expected text' })
    .overwrite((text) => cleanText(text, multiline))
    .max(maxChars, { error: (issue) => `expected at most ${maxChars} characters (this one has ${String(issue.input).length})` });
}

/** Why a command was given, a deferral asked for: one line of at most 500 characters. */
export const reasonText = () => freeText(TEXT_CAPS.line);
/** An incident's or alert's summary, a checklist item: one line of at most 500 characters. */
export const lineText = () => freeText(TEXT_CAPS.line);
/** A display name: one line of at most 80 characters. */
export const nameText = () => freeText(TEXT_CAPS.name);
/** A root cause, a note, an alert detail: lines, at most 2000 characters. */
export const noteText = () => freeText(TEXT_CAPS.note, { multiline: true });
/** Release notes, customer-facing prose: lines, at most 20,000 characters. */
export const proseText = () => freeText(TEXT_CAPS.prose, { multiline: true });
