/**
 * Success criteria a machine can judge (playbook planning.successCriteria). A criterion is one of:
 *
 * - a gate metric compared with a number: `errorRate < 0.02 on every step`, `p99LatencyMs <= 400`,
 *   `errorRate < 2% on canary` (scope: `on every step`, the default, or `on <step>`: dogfood,
 *   canary, wave-N), judged on each step's last health-gate window;
 * - an outcome: `no rollback`, `no breach`, `no incident`;
 * - anything else: free text, kept and shown as "not judged".
 *
 * Text that starts like a comparison (a word, then <, >, = or !) must be a valid one: a typo in a
 * metric name would otherwise pass silently as free text and never be judged.
 */

export const CRITERION_METRICS = ['errorRate', 'p99LatencyMs'] as const;
export type CriterionMetric = (typeof CRITERION_METRICS)[number];
export const CRITERION_OUTCOMES = ['no rollback', 'no breach', 'no incident'] as const;
export type CriterionOutcome = (typeof CRITERION_OUTCOMES)[number];
export type Comparison = '<' | '<=' | '>' | '>=';

export type Criterion =
  | { kind: 'metric'; text: string; metric: CriterionMetric; op: Comparison; value: number; step: string | null }
  | { kind: 'outcome'; text: string; outcome: CriterionOutcome }
  | { kind: 'free'; text: string };

export type CriterionParse = { ok: true; criterion: Criterion } | { ok: false; error: string };

const LOOKS_LIKE_COMPARISON = /^\s*([A-Za-z][A-Za-z0-9_.]*)\s*([<>=!]+)\s*(.*)$/;
const STEP_NAME = /^(dogfood|canary|wave-[1-9][0-9]?)$/;

/** One criterion from its text; an error names the rule when it looks like a comparison but is not one. */
export function parseCriterion(text: string): CriterionParse {
  const trimmed = text.trim();
  const outcome = CRITERION_OUTCOMES.find((o) => o === trimmed.toLowerCase().replace(/\s+/g, ' ').replace(/\.$/, ''));
  if (outcome) return { ok: true, criterion: { kind: 'outcome', text, outcome } };
  const m = LOOKS_LIKE_COMPARISON.exec(trimmed);
  if (!m) return { ok: true, criterion: { kind: 'free', text } };
  const [, name, opText, rest] = m as unknown as [string, string, string, string];
  const metric = CRITERION_METRICS.find((x) => x === name);
  if (!metric) return { ok: false, error: `unknown metric "${name}" in a comparison: expected ${CRITERION_METRICS.join(' or ')} (or text that is not a comparison)` };
  if (!['<', '<=', '>', '>='].includes(opText)) return { ok: false, error: `"${opText}" is not a comparison: expected <, <=, > or >=` };
  const op = opText as Comparison;
  const v = /^(-?[0-9]+(?:\.[0-9]+)?)(%?)(?:\s+on\s+(.+?))?\s*\.?$/.exec(rest);
  if (!v) return { ok: false, error: `expected a number after ${op}, then optionally "on every step" or "on <step>" (e.g. "${metric} ${op} ${metric === 'errorRate' ? '0.02' : '400'} on every step")` };
  const [, num, percent, scope] = v as unknown as [string, string, string, string | undefined];
  if (percent && metric !== 'errorRate') return { ok: false, error: `a percentage only fits errorRate; ${metric} is in ms` };
  const value = percent ? Number(num) / 100 : Number(num);
  if (metric === 'errorRate' && (value < 0 || value > 1)) return { ok: false, error: 'errorRate is a ratio from 0 to 1 (or 0% to 100%)' };
  if (metric === 'p99LatencyMs' && value <= 0) return { ok: false, error: 'p99LatencyMs must be compared with a number of ms above 0' };
  let step: string | null = null;
  if (scope !== undefined && scope !== 'every step') {
    if (!STEP_NAME.test(scope)) return { ok: false, error: `unknown scope "on ${scope}": expected "on every step" or "on dogfood", "on canary", "on wave-N"` };
    step = scope;
  }
  return { ok: true, criterion: { kind: 'metric', text, metric, op, value, step } };
}

/** What a judge needs from a finished (or held) rollout. */
export interface JudgedStep {
  name: string;
  /** The step's last health-gate window on the new version; null when no window ran. */
  errorRate: number | null;
  p99LatencyMs: number | null;
}
export interface JudgeInput {
  steps: JudgedStep[];
  rolledBack: boolean;
  breached: boolean;
  incidents: number;
}

export type CriterionResult = 'pass' | 'fail' | 'not measured' | 'not judged';
export interface JudgedCriterion {
  text: string;
  result: CriterionResult;
  /** The measured value the result rests on (the worst step's, for "on every step"); null when none. */
  measured: number | string | null;
  /** Where and how: "worst: canary 0.61 (3 of 3 steps measured)". */
  detail: string;
}

const holds = (value: number, op: Comparison, limit: number) =>
  op === '<' ? value < limit : op === '<=' ? value <= limit : op === '>' ? value > limit : value >= limit;

/** Judges one criterion on the rollout as it ended. */
export function judgeCriterion(c: Criterion, r: JudgeInput): JudgedCriterion {
  if (c.kind === 'free') return { text: c.text, result: 'not judged', measured: null, detail: 'free text: not machine-checkable' };
  if (c.kind === 'outcome') {
    if (c.outcome === 'no rollback') return { text: c.text, result: r.rolledBack ? 'fail' : 'pass', measured: r.rolledBack ? 'rolled back' : 'not rolled back', detail: r.rolledBack ? 'the rollout rolled back' : 'no rollback ran' };
    if (c.outcome === 'no breach') return { text: c.text, result: r.breached ? 'fail' : 'pass', measured: r.breached ? 'breached' : 'no breach', detail: r.breached ? 'the breaker tripped' : 'no health gate breached' };
    return { text: c.text, result: r.incidents > 0 ? 'fail' : 'pass', measured: r.incidents, detail: `${r.incidents} incident(s) opened` };
  }
  const scoped = c.step === null ? r.steps : r.steps.filter((s) => s.name === c.step);
  const measured = scoped.flatMap((s) => (s[c.metric] === null ? [] : [{ step: s.name, value: s[c.metric] as number }]));
  const where = c.step === null ? `${measured.length} of ${scoped.length} step(s) measured` : `step ${c.step}`;
  if (measured.length === 0) return { text: c.text, result: 'not measured', measured: null, detail: c.step !== null && scoped.length === 0 ? `step ${c.step} did not run` : `no health-gate window measured ${c.metric} (${where})` };
  // The worst step decides: the highest value against "<", the lowest against ">".
  const worst = measured.reduce((a, b) => ((c.op.startsWith('<') ? b.value > a.value : b.value < a.value) ? b : a));
  const pass = measured.every((m) => holds(m.value, c.op, c.value));
  return { text: c.text, result: pass ? 'pass' : 'fail', measured: worst.value, detail: `worst: ${worst.step} ${worst.value} ${c.op} ${c.value}? ${pass ? 'yes' : 'no'} (${where})` };
}
