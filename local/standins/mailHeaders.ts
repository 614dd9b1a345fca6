/**
 * Just enough RFC 5322 header parsing for tests to check what a mail said and how it threads:
 * unfolds continuation lines, decodes RFC 2047 encoded words (B and Q), and splits References.
 */

export interface MailHeaders {
  messageId: string | null;
  inReplyTo: string | null;
  references: string[];
  subject: string | null;
  from: string | null;
  to: string | null;
  /** Every header, lower-case name to its values in order. */
  all: Record<string, string[]>;
}

/** The header section of a raw message: everything before the first empty line. */
function headerSection(raw: string): string {
  const end = raw.search(/\r?\n\r?\n/);
  return end === -1 ? raw : raw.slice(0, end);
}

export function decodeEncodedWords(value: string): string {
  // Whitespace between two encoded words is not part of the text (RFC 2047 section 6.2).
  const joined = value.replace(/(=\?[^?]+\?[BbQq]\?[^?]*\?=)\s+(?==\?)/g, '$1');
  return joined.replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (_all, charset: string, encoding: string, text: string) => {
    const bytes =
      encoding.toUpperCase() === 'B'
        ? Buffer.from(text, 'base64')
        : Buffer.from(
            text.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))),
            'latin1',
          );
    const label = charset.toLowerCase().split('*')[0]!;
    return label === 'utf-8' || label === 'utf8' ? bytes.toString('utf8') : bytes.toString('latin1');
  });
}

export function parseMailHeaders(raw: string): MailHeaders {
  const all: Record<string, string[]> = {};
  const unfolded = headerSection(raw).replace(/\r?\n[ \t]+/g, ' ');
  for (const line of unfolded.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    (all[name] ??= []).push(line.slice(colon + 1).trim());
  }
  const first = (name: string) => all[name]?.[0] ?? null;
  const ids = (value: string | null) => (value ? value.match(/<[^<>\s]+>/g) ?? [] : []);
  const subject = first('subject');
  return {
    messageId: ids(first('message-id'))[0] ?? null,
    inReplyTo: ids(first('in-reply-to'))[0] ?? null,
    references: ids(first('references')),
    subject: subject === null ? null : decodeEncodedWords(subject),
    from: first('from') && decodeEncodedWords(first('from')!),
    to: first('to') && decodeEncodedWords(first('to')!),
    all,
  };
}
