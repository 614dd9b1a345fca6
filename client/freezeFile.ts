import { freezeCalendarSchema, type FreezeCalendar } from '../calendars/freezeCalendar';
import { loadDocument } from './loadDocument';

/**
 * A freeze calendar file read and checked offline: every error with its file:line:col and the
 * field's path (exit 2), zones and RRULEs included, so `freeze apply` sends only what will evaluate.
 */
export async function loadFreezeCalendar(file: string): Promise<{ raw: unknown; value: FreezeCalendar }> {
  return loadDocument(file, freezeCalendarSchema);
}
