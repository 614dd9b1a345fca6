/** Upper bounds (seconds) of the request-latency histogram every target exposes. */
export const LATENCY_BUCKETS_S = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

/** One read of a target's cumulative counters, as its /metrics reported them. */
export interface TargetSample {
  id: string;
  up: boolean;
  version?: string;
  requests: number;
  errors: number;
  /** Cumulative bucket counts aligned with LATENCY_BUCKETS_S, then +Inf. */
  buckets: number[];
}

/** Counters accumulated over a window, for one target or a group. */
export interface WindowCounts {
  requests: number;
  errors: number;
  buckets: number[];
}

const emptyBuckets = () => new Array<number>(LATENCY_BUCKETS_S.length + 1).fill(0);

function labelValue(labels: string, name: string): string | undefined {
  const match = new RegExp(`${name}="([^"]*)"`).exec(labels);
  return match?.[1];
}

/** Reads the counters Rampart needs out of Prometheus text exposition format. */
export function parsePrometheusText(id: string, text: string): TargetSample {
  const sample: TargetSample = { id, up: true, requests: 0, errors: 0, buckets: emptyBuckets() };
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!match) continue;
    const [, name, labels = '', raw] = match;
    const value = Number(raw);
    if (name === 'http_requests_total') sample.requests += value;
    else if (name === 'http_request_errors_total') sample.errors += value;
    else if (name === 'app_info') sample.version = labelValue(labels, 'version');
    else if (name === 'http_request_duration_seconds_bucket') {
      const le = labelValue(labels, 'le');
      const index = le === '+Inf' ? LATENCY_BUCKETS_S.length : LATENCY_BUCKETS_S.findIndex((b) => b === Number(le));
      if (index >= 0) sample.buckets[index] = value;
    }
  }
  return sample;
}

/** What happened between two reads; a counter that went down means the process restarted. */
export function windowBetween(before: TargetSample | undefined, after: TargetSample): WindowCounts {
  const restarted = !before || after.requests < before.requests;
  if (restarted) return { requests: after.requests, errors: after.errors, buckets: [...after.buckets] };
  return {
    requests: after.requests - before.requests,
    errors: after.errors - before.errors,
    buckets: after.buckets.map((count, i) => count - (before.buckets[i] ?? 0)),
  };
}

export function sumWindows(windows: WindowCounts[]): WindowCounts {
  const total: WindowCounts = { requests: 0, errors: 0, buckets: emptyBuckets() };
  for (const w of windows) {
    total.requests += w.requests;
    total.errors += w.errors;
    w.buckets.forEach((count, i) => (total.buckets[i] = (total.buckets[i] ?? 0) + count));
  }
  return total;
}

/** Quantile from cumulative buckets by linear interpolation, as Prometheus' histogram_quantile does. */
export function histogramQuantile(q: number, buckets: number[]): number | undefined {
  const total = buckets[buckets.length - 1] ?? 0;
  if (total === 0) return undefined;
  const rank = q * total;
  for (let i = 0; i < LATENCY_BUCKETS_S.length; i++) {
    const count = buckets[i] ?? 0;
    if (count >= rank) {
      const lower = i === 0 ? 0 : (LATENCY_BUCKETS_S[i - 1] as number);
      const below = i === 0 ? 0 : (buckets[i - 1] ?? 0);
      const upper = LATENCY_BUCKETS_S[i] as number;
      const inBucket = count - below;
      return inBucket === 0 ? upper : lower + ((upper - lower) * (rank - below)) / inBucket;
    }
  }
  return LATENCY_BUCKETS_S[LATENCY_BUCKETS_S.length - 1];
}

/** Whether a target answered its scrape, and the version it says it runs. */
export interface TargetSeen {
  up: boolean;
  /** From app_info{version=…}, when the target exposes it. */
  version: string | null;
}
