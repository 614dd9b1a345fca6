import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { renderRca } from '../domain/rcaReport';
import type { IncidentStatus } from '../domain/incidentStatus';

/** Where Rampart keeps its local state (reports, notification ledger). */
export function stateDir(): string {
  return path.resolve(process.env.RAMPART_STATE_DIR ?? '.rampart');
}

/** Writes the incident's root cause analysis document; written whole (temp file, then rename), so rewriting is harmless. */
export async function writeIncidentReport(status: IncidentStatus): Promise<{ path: string }> {
  const dir = path.join(stateDir(), 'incidents');
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `${status.incidentId}.md`);
  await writeFile(`${file}.partial`, renderRca(status));
  await rename(`${file}.partial`, file);
  return { path: file };
}
