import { mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { incidentStatusQuery } from '../contract/incident';
import { parseCorrectiveActions } from '../domain/correctiveActions';
import type { IncidentStatus } from '../domain/incidentStatus';
import { REPORT_NAME, releaseReportPath, type Lessons } from '../domain/lessons';
import type { Playbook } from '../domain/playbook';
import { buildReleaseReport, incidentIdsOf, type ReleaseReport, type ReportIncident } from '../domain/releaseReport';
import { renderReleaseReport } from '../domain/releaseReportMarkdown';
import type { RolloutStatus } from '../domain/rolloutStatus';
import type { Pace } from '../domain/velocity';

/** Incidents looked up at one planning: each is a Query and a file read. */
const MAX_INCIDENTS = 50;

export interface WriteReleaseReportArgs {
  status: RolloutStatus;
  /** The playbook as the rollout ran it (at its risk level's pace). */
  playbook: Playbook;
  pace: Pace;
}

const plainName = (what: string, name: string) => {
  if (!REPORT_NAME.test(name)) {
    throw ApplicationFailure.nonRetryable(`${what} ${JSON.stringify(name.slice(0, 140))} cannot name a report file: expected letters, digits, ".", "_" or "-"`, 'InvalidInput');
  }
};

/** How long planning waits for one earlier incident to say how it stands; unanswered, its state is unknown. */
const INCIDENT_QUERY_MS = 2000;

/**
 * Release reports in `<stateDir>/releases/<playbook>/<rollout>.{json,md}`, next to the incident
 * reports (`<stateDir>/incidents/`): local state that outlives the worker, which the CLI reads
 * (`rampart release report`) and the next rollout of the playbook learns from.
 */
export function releaseReportActivities(stateDir: string) {
  const root = path.resolve(stateDir);

  /** An incident as it stands now: its state through its workflow, its corrective actions from its RCA. */
  async function incidentNow(incidentId: string): Promise<ReportIncident> {
    const { client } = Context.current();
    // A Query waits for a worker: an incident of a task queue nobody serves any more must not stall planning.
    const status = await client.withDeadline(Date.now() + INCIDENT_QUERY_MS, () => client.workflow.getHandle(incidentId).query(incidentStatusQuery)).catch((): IncidentStatus | null => null);
    const rca = REPORT_NAME.test(incidentId) ? path.join(root, 'incidents', `${incidentId}.md`) : null;
    const text = rca ? await readFile(rca, 'utf8').catch(() => null) : null;
    return {
      incidentId,
      severity: status?.severity ?? null,
      state: status?.state ?? 'unknown',
      summary: status?.summary ?? null,
      rootCause: status?.details.rootCause ?? null,
      rca: text === null ? null : rca,
      correctiveActions: text === null ? [] : parseCorrectiveActions(text),
    };
  }

  /** Writes whole (temp file, then rename): a rewrite (a held rollout that ends) replaces it. */
  async function writeWhole(file: string, content: string): Promise<void> {
    await writeFile(`${file}.partial`, content);
    await rename(`${file}.partial`, file);
  }

  return {
    /** The rollout's release report, as JSON and Markdown; returns where the Markdown went. */
    async writeReleaseReport(args: WriteReleaseReportArgs): Promise<{ path: string; json: string }> {
      const { status } = args;
      plainName('rollout id', status.rolloutId);
      plainName('playbook name', status.playbook);
      const incidents = await Promise.all(incidentIdsOf(status).map(incidentNow));
      const report = buildReleaseReport(status, args.playbook, args.pace, incidents, new Date().toISOString());
      const json = path.join(root, releaseReportPath(status.playbook, status.rolloutId, 'json'));
      const md = path.join(root, releaseReportPath(status.playbook, status.rolloutId, 'md'));
      await mkdir(path.dirname(json), { recursive: true });
      await writeWhole(md, renderReleaseReport(report));
      await writeWhole(json, `${JSON.stringify(report, null, 2)}\n`);
      return { path: md, json };
    },

    /**
     * The last `limit` reports of the playbook (newest written first, this rollout's own left
     * out): their near misses, and their incidents' corrective actions still open as the RCAs say
     * now (an action closed since the report was written no longer counts).
     */
    async readReleaseLessons(args: { playbook: string; rolloutId: string; limit: number }): Promise<Omit<Lessons, 'extraApproval'>> {
      plainName('playbook name', args.playbook);
      const dir = path.join(root, 'releases', args.playbook);
      const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith('.json') && n !== `${args.rolloutId}.json`);
      const dated = await Promise.all(names.map(async (n) => ({ n, at: (await stat(path.join(dir, n)).catch(() => null))?.mtimeMs ?? 0 })));
      const latest = dated.sort((a, b) => b.at - a.at || (a.n < b.n ? 1 : -1)).slice(0, Math.max(0, Math.min(args.limit, 20)));
      const reports = (await Promise.all(latest.map(async ({ n }) => {
        try {
          const r = JSON.parse(await readFile(path.join(dir, n), 'utf8')) as ReleaseReport;
          return r.format === 'rampart.release-report/1' ? r : null;
        } catch {
          return null; // a report someone broke by hand is skipped, not fatal to the next release
        }
      }))).filter((r): r is ReleaseReport => r !== null);
      const lessons: Omit<Lessons, 'extraApproval'> = { reports: [], nearMisses: [], openActions: [], openIncidents: [] };
      // Each incident once, under the release it came from. Those a report carried from its own
      // planning count too: an action stays in view until it is closed, not for five releases only.
      const incidents = new Map<string, string>();
      for (const r of reports) {
        lessons.reports.push({ rolloutId: r.rolloutId, state: r.state, endedAt: r.endedAt });
        lessons.nearMisses.push(...r.nearMisses.map((n) => ({ ...n, rolloutId: r.rolloutId })));
        const carried = [...(r.lessons?.openActions ?? []), ...(r.lessons?.openIncidents ?? [])];
        for (const { incidentId, rolloutId } of [...r.incidents.map((i) => ({ incidentId: i.incidentId, rolloutId: r.rolloutId })), ...carried]) {
          if (!incidents.has(incidentId) && incidents.size < MAX_INCIDENTS) incidents.set(incidentId, rolloutId);
        }
      }
      const nows = await Promise.all([...incidents].map(async ([incidentId, rolloutId]) => ({ incidentId, rolloutId, now: await incidentNow(incidentId) })));
      for (const { incidentId, rolloutId, now } of nows) {
        if (now.state === 'open' || now.state === 'acknowledged') lessons.openIncidents.push({ rolloutId, incidentId, severity: now.severity });
        lessons.openActions.push(...now.correctiveActions.filter((a) => a.open).map((a) => ({ ...a, rolloutId, incidentId })));
      }
      return lessons;
    },
  };
}
