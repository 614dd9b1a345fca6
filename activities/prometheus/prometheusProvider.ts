/**
 * The health gate's numbers from PromQL instead of from each target's /metrics: for when a real
 * Prometheus already scrapes the fleet (job of your choice, one `target="<id>"` label per target).
 * One call answers one analysis window for the candidate group and the baseline group, in the
 * same shape the direct provider produces (domain/evaluateGate.ts GroupMeasurement).
 *
 * A plain async function, registered as a Temporal activity as it is. Prometheus unreachable or
 * overloaded is a retryable failure; a query Prometheus rejects (HTTP 400/422) or bad arguments
 * are non-retryable: no retry can fix them.
 */
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import type { GroupMeasurement } from '../../domain/evaluateGate';
import { describeErrors, parseInput } from '../../domain/issues';
import { safeUrlSchema } from '../../domain/safeUrl';
import { httpRequest, joinUrl } from '../adapters/http';
import type { TargetSeen } from '../../domain/metrics';

export interface MeasureWithPrometheusInput {
  /** Base URL of the Prometheus HTTP API, e.g. http://127.0.0.1:9090 */
  prometheusUrl: string;
  /** Target ids (the `target` label) on the new version. */
  candidates: string[];
  /** Target ids still on the old version; empty means no baseline. */
  baseline: string[];
  /** The analysis window, in seconds, ending at `at`. */
  windowSeconds: number;
  /** Evaluation time in Unix seconds; default: now. All queries of one call use the same instant. */
  at?: number;
  /** Restricts every selector to this scrape job, e.g. "rampart". */
  job?: string;
  /** Per query; default 10 s. */
  timeoutMs?: number;
}

export interface PrometheusMeasurement {
  candidate: GroupMeasurement;
  baseline: GroupMeasurement | null;
  /** Each named target as Prometheus last scraped it: for the rollout's per-target health view. */
  seen: Record<string, TargetSeen>;
  /** The instant (Unix seconds) the queries were evaluated at. */
  at: number;
}

const targetIds = z.array(z.string().min(1, 'expected a non-empty target id').max(256)).max(1000);
const inputSchema = z.strictObject({
  prometheusUrl: safeUrlSchema({ rule: 'expected the http(s) URL of a Prometheus server' }),
  candidates: targetIds.min(1, 'expected at least one candidate target'),
  baseline: targetIds,
  windowSeconds: z.number().positive().max(31 * 86_400),
  at: z.number().positive().optional(),
  job: z.string().min(1).max(256).optional(),
  timeoutMs: z.number().int().positive().max(120_000).optional(),
});

export async function measureWithPrometheus(input: MeasureWithPrometheusInput): Promise<PrometheusMeasurement> {
  const parsed = parseInput(inputSchema, input);
  if (!parsed.ok) throw ApplicationFailure.nonRetryable(`measureWithPrometheus: ${describeErrors(parsed.errors)}`, 'InvalidInput');
  const args = parsed.value;
  const at = args.at ?? Date.now() / 1000;
  const query = (promql: string) => queryPrometheus(args.prometheusUrl, promql, at, args.timeoutMs);
  const window = promDuration(args.windowSeconds);
  const everyone = [...new Set([...args.candidates, ...args.baseline])];

  const [up, versions, candidate, baseline] = await Promise.all([
    query(`up${selector(everyone, args.job)}`),
    query(`max by (target, version) (app_info${selector(everyone, args.job)})`),
    measureGroup(query, args.candidates, window, args.job),
    args.baseline.length > 0 ? measureGroup(query, args.baseline, window, args.job) : Promise.resolve(null),
  ]);

  const upByTarget = new Map<string, boolean>();
  for (const series of up) {
    const id = series.metric.target;
    // Scraped by more than one job: down if any scrape failed.
    if (id !== undefined) upByTarget.set(id, (upByTarget.get(id) ?? true) && series.value === 1);
  }
  const versionByTarget = new Map<string, string>();
  for (const series of versions) {
    const { target, version } = series.metric;
    if (target !== undefined && version !== undefined && series.value > 0) versionByTarget.set(target, version);
  }
  const isUp = (id: string) => upByTarget.get(id) === true;
  const seen = Object.fromEntries(everyone.map((id) => [id, { up: isUp(id), version: versionByTarget.get(id) ?? null }]));
  const group = (ids: string[], counts: GroupCounts): GroupMeasurement => ({
    targets: ids.length,
    down: ids.filter((id) => !isUp(id)),
    requests: Math.round(counts.requests),
    errorRate: counts.requests > 0 ? Math.min(1, counts.errors / counts.requests) : null,
    p99LatencyMs: counts.p99Seconds === null ? null : Math.round(counts.p99Seconds * 1000),
  });
  return {
    candidate: group(args.candidates, candidate),
    baseline: baseline && group(args.baseline, baseline),
    seen,
    at,
  };
}

interface GroupCounts {
  requests: number;
  errors: number;
  p99Seconds: number | null;
}

type Query = (promql: string) => Promise<PromSample[]>;

async function measureGroup(query: Query, ids: string[], window: string, job: string | undefined): Promise<GroupCounts> {
  const match = selector(ids, job);
  const [requests, errors, p99] = await Promise.all([
    query(`sum(increase(http_requests_total${match}[${window}]))`),
    query(`sum(increase(http_request_errors_total${match}[${window}]))`),
    query(`histogram_quantile(0.99, sum by (le) (increase(http_request_duration_seconds_bucket${match}[${window}])))`),
  ]);
  const scalar = (samples: PromSample[]) => {
    const value = samples[0]?.value;
    return value !== undefined && Number.isFinite(value) ? value : null;
  };
  return { requests: scalar(requests) ?? 0, errors: scalar(errors) ?? 0, p99Seconds: scalar(p99) };
}

/** `{target=~"a|b"}`, each id matched literally, optionally with `job="…"`. */
export function selector(ids: string[], job?: string): string {
  const matchers = [`target=~${promString(ids.map(escapeRegex).join('|'))}`];
  if (job !== undefined) matchers.unshift(`job=${promString(job)}`);
  return `{${matchers.join(', ')}}`;
}

/** Escapes RE2 metacharacters so an id matches only itself (Prometheus anchors the whole regex). */
export function escapeRegex(text: string): string {
  return text.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&');
}

/** A PromQL double-quoted string literal. */
export function promString(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

/** A PromQL range duration: whole seconds when possible, else milliseconds (at least 1 ms). */
export function promDuration(seconds: number): string {
  const ms = Math.max(1, Math.round(seconds * 1000));
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

export interface PromSample {
  metric: Record<string, string>;
  value: number;
}

interface PromResponse {
  status?: string;
  errorType?: string;
  error?: string;
  data?: { resultType?: string; result?: unknown };
}

const RETRYABLE = 'PrometheusUnavailable';
const BAD_QUERY = 'PrometheusBadQuery';

/**
 * One instant query, POST /api/v1/query (a long target list does not fit a URL). Returns the
 * vector, or a scalar as one sample. Throws ApplicationFailure: PrometheusUnavailable (retryable)
 * or PrometheusBadQuery (not retryable).
 */
export async function queryPrometheus(base: string, promql: string, at = Date.now() / 1000, timeoutMs = 10_000): Promise<PromSample[]> {
  const url = joinUrl(base, '/api/v1/query');
  let res: { status: number; text: string };
  try {
    res = await httpRequest({
      url,
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({ query: promql, time: at.toFixed(3) }).toString(),
      timeoutMs,
      maxBytes: 8 * 1024 * 1024,
    });
  } catch (err) {
    throw ApplicationFailure.retryable(`Prometheus at ${base} is unreachable: ${(err as Error).message}`, RETRYABLE);
  }
  let body: PromResponse | undefined;
  try {
    body = JSON.parse(res.text) as PromResponse;
  } catch {
    body = undefined;
  }
  const reason = body?.error ? `${body.errorType ?? 'error'}: ${body.error}` : `HTTP ${res.status}`;
  if (res.status === 400 || res.status === 422) {
    throw ApplicationFailure.nonRetryable(`Prometheus rejected the query ${promql}: ${reason}`, BAD_QUERY);
  }
  if (res.status !== 200 || body?.status !== 'success') {
    throw ApplicationFailure.retryable(`Prometheus at ${base} could not answer ${promql}: ${reason}`, RETRYABLE);
  }
  const { resultType, result } = body.data ?? {};
  if (resultType === 'scalar') return [{ metric: {}, value: Number((result as [number, string])[1]) }];
  if (resultType !== 'vector' || !Array.isArray(result)) {
    throw ApplicationFailure.nonRetryable(`Prometheus answered ${promql} with a ${resultType ?? 'missing'} result, expected an instant vector`, BAD_QUERY);
  }
  return (result as { metric?: Record<string, string>; value?: [number, string] }[]).map((s) => ({
    metric: s.metric ?? {},
    value: Number(s.value?.[1]),
  }));
}
