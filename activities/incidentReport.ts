import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { renderRca } from '../domain/rcaReport';
import type { IncidentStatus } from '../domain/incidentStatus';

/** Incident reports in `<stateDir>/incidents/`, where Rampart keeps its local state (reports, notification ledger). */
export function incidentReportActivities(stateDir: string) {
  return {
    /** Writes the incident's root cause analysis document; written whole (temp file, then rename), so rewriting is harmless. */
    async writeIncidentReport(status: IncidentStatus): Promise<{ path: string }> {
      const dir = path.join(path.resolve(stateDir), 'incidents');
      await mkdir(dir, { recursive: true });
      // The id names the file: one that is not a plain name (a hand-made workflow input) must not write elsewhere.
      if (!/^[A-Za-z0-9._-]{1,128}$/.test(status.incidentId)) {
        throw ApplicationFailure.nonRetryable(`incident id ${JSON.stringify(status.incidentId.slice(0, 140))} cannot name a report file: expected letters, digits, ".", "_" or "-"`, 'InvalidInput');
      }
      const file = path.join(dir, `${status.incidentId}.md`);
      await writeFile(`${file}.partial`, renderRca(status));
      await rename(`${file}.partial`, file);
      return { path: file };
    },
  };
}
