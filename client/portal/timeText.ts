/**
 * Times on the portal: a <time> element whose text is readable without script (UTC), which the
 * page's script rewrites into the reader's own time zone.
 */
import { html, type SafeHtml } from './html';

const UTC = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZone: 'UTC', hourCycle: 'h23' });

export function utcText(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : `${UTC.format(date)} UTC`;
}

export function timeTag(iso: string | null | undefined): SafeHtml {
  if (!iso) return html``;
  return html`<time datetime="${iso}">${utcText(iso)}</time>`;
}
