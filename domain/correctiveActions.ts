import { RISK_LEVELS, type RiskLevel } from './playbook';

/**
 * Corrective actions are the rows of the "Corrective actions" table of an incident's root cause
 * analysis (domain/rcaReport.ts writes it; the team fills it in after the retrospective):
 *
 *     | action | severity | owner | due | status |
 *     | add a canary check for cache misses | high | olga | 2026-12-20 | open |
 *
 * A row is open unless its status says done, closed, fixed or wontfix. Rows in italics are the
 * template's examples and are skipped; an unknown severity reads as "high" (an action nobody ranked
 * is not assumed harmless).
 */
export interface CorrectiveAction {
  action: string;
  severity: RiskLevel;
  owner: string;
  due: string;
  status: string;
  open: boolean;
}

const CLOSED = /^(done|closed|fixed|wontfix|won't fix)$/i;
const MAX_ACTIONS = 100;

/** Splits one table row into its cells; `\|` inside a cell stays a "|". */
function cells(line: string): string[] {
  const inner = line.trim().replace(/^\|/, '').replace(/\|$/, '');
  return inner.split(/(?<!\\)\|/).map((c) => c.trim().replace(/\\\|/g, '|'));
}

const plain = (cell: string) => cell.replace(/\\(.)/g, '$1');

/** The corrective actions of an RCA document (at most 100); none when it has no such table. */
export function parseCorrectiveActions(markdown: string): CorrectiveAction[] {
  const lines = markdown.split('\n');
  const start = lines.findIndex((l) => /^##\s+corrective actions\s*$/i.test(l.trim()));
  if (start < 0) return [];
  const table: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (/^#{1,2}\s/.test(line)) break;
    if (line.trim().startsWith('|')) table.push(line);
  }
  const [header, ...rows] = table;
  if (!header) return [];
  const names = cells(header).map((c) => c.toLowerCase());
  const col = (name: string) => names.indexOf(name);
  const actions: CorrectiveAction[] = [];
  for (const row of rows) {
    const c = cells(row);
    if (c.every((x) => /^:?-+:?$/.test(x) || x === '')) continue;
    const action = plain(c[col('action')] ?? c[0] ?? '');
    if (action === '' || /^_.*_$/.test(action)) continue;
    const severityText = plain(c[col('severity')] ?? '').toLowerCase();
    const severity = (RISK_LEVELS as readonly string[]).includes(severityText) ? (severityText as RiskLevel) : 'high';
    const status = plain(c[col('status')] ?? '') || 'open';
    actions.push({ action, severity, owner: plain(c[col('owner')] ?? ''), due: plain(c[col('due')] ?? ''), status, open: !CLOSED.test(status) });
    if (actions.length >= MAX_ACTIONS) break;
  }
  return actions;
}

/** `severity` is at least `floor` on the low < medium < high < critical scale. */
export function atLeast(severity: RiskLevel, floor: RiskLevel): boolean {
  return RISK_LEVELS.indexOf(severity) >= RISK_LEVELS.indexOf(floor);
}
