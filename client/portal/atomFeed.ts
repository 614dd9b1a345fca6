/**
 * GET /feed.atom: the public events of every release the portal knows, newest first, as an Atom
 * 1.0 feed (RFC 4287): feed and entries carry a permanent id and an updated time, each entry
 * links to its release's page.
 */
import type { PublicRelease } from '../../domain/publicStatus';
import { releaseEvents } from './releaseEvents';

const MAX_ENTRIES = 100;

/** Text safe inside XML elements and attributes; characters XML 1.0 forbids are dropped. */
export function xmlEscape(text: string): string {
  return text
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** A tag URI (RFC 4151): permanent, whatever address the portal is served at. */
function entryId(key: string): string {
  return `tag:rampart.status,2024:${key.split('/').map(encodeURIComponent).join('/')}`;
}

export function atomFeed(releases: readonly PublicRelease[], baseUrl: string, now: Date = new Date()): string {
  const events = releases
    .flatMap(releaseEvents)
    .sort((a, b) => b.at.localeCompare(a.at))
    .slice(0, MAX_ENTRIES);
  const updated = events[0]?.at ?? now.toISOString();
  const entries = events.map((e) => `  <entry>
    <id>${xmlEscape(entryId(e.key))}</id>
    <title>${xmlEscape(e.title)}</title>
    <updated>${xmlEscape(e.at)}</updated>
    <link rel="alternate" type="text/html" href="${xmlEscape(`${baseUrl}/releases/${encodeURIComponent(e.releaseId)}`)}"/>
    <summary type="text">${xmlEscape(e.text)}</summary>
  </entry>`);
  return `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <id>${xmlEscape(entryId('feed'))}</id>
  <title>Release status</title>
  <subtitle>Updates, incidents and completions of our software releases</subtitle>
  <updated>${xmlEscape(updated)}</updated>
  <author><name>Release status portal</name></author>
  <link rel="self" type="application/atom+xml" href="${xmlEscape(`${baseUrl}/feed.atom`)}"/>
  <link rel="alternate" type="text/html" href="${xmlEscape(`${baseUrl}/`)}"/>
${entries.join('\n')}
</feed>
`;
}
