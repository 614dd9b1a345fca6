import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { renderRca } from '../domain/rcaReport';
import type { IncidentStatus } from '../domain/incidentStatus';

/** Incident reports in `<stateDir>/incidents/`, where Rampart keeps its local state (reports, notification ledger). */
export function incidentReportActivities(stateDir: string) {
  return {
    /** Writes the incident's root cause analysis document; written whole (temp file, then rename), so rewriting is harmless. */
    async writeIncidentReport(status: IncidentStatus): Promise<{ path: string }> {
      const dir = path.join(path.resolve(stateDir), 'incidents');
      await mkdir(dir, { recursive: true });
      const file = path.join(dir, `${status.incidentId}.md`);
      await writeFile(`${file}.partial`, renderRca(status));
      await rename(`${file}.partial`, file);
      return { path: file };
    },
  };
}
