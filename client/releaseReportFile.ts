import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { REPORT_NAME, releaseReportPath } from '../domain/lessons';
import type { ReleaseReport } from '../domain/releaseReport';

/** The worker's state folder, as the worker reads it (worker/config.ts): RAMPART_STATE_DIR, default `.rampart`. */
export function stateDirFrom(flag: string | undefined, env: Record<string, string | undefined> = process.env): string {
  return path.resolve(flag ?? env.RAMPART_STATE_DIR ?? '.rampart');
}

export interface FoundReport {
  report: ReleaseReport;
  markdown: string | null;
  file: string;
}

/**
 * A rollout's release report in `<stateDir>/releases/<playbook>/<rollout>.json`; null when there is
 * none (yet). The rollout id is checked as a plain name first: it names a file.
 */
export async function findReleaseReport(stateDir: string, rolloutId: string): Promise<FoundReport | null> {
  if (!REPORT_NAME.test(rolloutId)) return null;
  const playbooks = await readdir(path.join(stateDir, 'releases'), { withFileTypes: true }).catch(() => []);
  for (const entry of playbooks) {
    if (!entry.isDirectory() || !REPORT_NAME.test(entry.name)) continue;
    const file = path.join(stateDir, releaseReportPath(entry.name, rolloutId, 'json'));
    const text = await readFile(file, 'utf8').catch(() => null);
    if (text === null) continue;
    const markdown = await readFile(path.join(stateDir, releaseReportPath(entry.name, rolloutId, 'md')), 'utf8').catch(() => null);
    return { report: JSON.parse(text) as ReleaseReport, markdown, file };
  }
  return null;
}
