import { terminalLine, terminalText } from './terminal';

/**
 * Untrusted text inside a Markdown document (the incident report): shown as the words it is, never
 * as a link, image, heading, table cell break, emphasis or raw HTML. `<` `>` `&` become entities
 * (no tag, no autolink, no entity trick); the other characters CommonMark or GFM give a meaning
 * inline get a backslash; a value cannot start a block (heading, quote, list) because its line
 * starts are escaped too; controls are made visible as in a terminal.
 */
const INLINE = /[\\`*_[\]()!|~{}#]/g;
const BLOCK_START = /^(\s*)([-+=])/;
const ORDERED_START = /^(\s*\d+)([.)])/;

function escapeLine(line: string): string {
  return line
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(INLINE, (ch) => `\\${ch}`)
    .replace(BLOCK_START, (_all, space: string, marker: string) => `${space}\\${marker}`)
    .replace(ORDERED_START, (_all, number: string, marker: string) => `${number}\\${marker}`);
}

/** A value inside one line (a table cell, a list item, a heading): line breaks are shown as escapes. */
export function markdownLine(text: string): string {
  return escapeLine(terminalLine(text));
}

/** A value that is a paragraph of its own (the root cause): its lines stay lines. */
export function markdownBlock(text: string): string {
  return terminalText(text).split('\n').map(escapeLine).join('\n');
}
