/**
 * Text for a terminal. History may hold text that never met the schemas (older runs, a raw
 * Temporal signal), so whatever prints untrusted text passes it through here: every control,
 * bidi and separator character becomes a visible escape such as `\u001b`, and nothing reaches
 * the terminal that could move the cursor, recolour, retitle or reorder what the engineer reads.
 */
const UNSAFE_LINE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/g;
const UNSAFE_LINES = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/g;

export const visibleEscape = (ch: string): string => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;

/** One value inside a line: line breaks are escaped too, so a value cannot forge a line of its own. */
export function terminalLine(text: string): string {
  return text.replace(UNSAFE_LINE, visibleEscape);
}

/** A whole rendering: its own line breaks stay, everything else unsafe is escaped. */
export function terminalText(text: string): string {
  return text.replace(UNSAFE_LINES, visibleEscape);
}

type Value = string | number | boolean | null | undefined;

/**
 * A line with every interpolated value passed through terminalLine: `tty\`by ${who}\``. The
 * template's own text is the program's, so it is kept as written.
 */
export function tty(strings: TemplateStringsArray, ...values: Value[]): string {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += terminalLine(String(value)) + (strings[i + 1] ?? '');
  });
  return out;
}

/**
 * JSON for a terminal: JSON.stringify escapes C0 controls but leaves C1, bidi and separator
 * characters as they are; these become \uXXXX escapes, which is still the same JSON.
 */
export function terminalJson(value: unknown, indent?: number): string {
  return JSON.stringify(value, null, indent).replace(/[\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/g, visibleEscape);
}
