import { LATENCY_BUCKETS_S } from '../../domain/metrics';

/**
 * Counters of the requests a target served, rendered in Prometheus text format with exactly the
 * names domain/metrics.ts parses. Cumulative since the process started, as Prometheus counters
 * are: a restart resets them, which windowBetween recognises.
 */
export class RequestMetrics {
  private requests = 0;
  private errors = 0;
  private durationSum = 0;
  /** Per-bucket (not cumulative) counts; the last slot is +Inf. */
  private readonly bucketHits = new Array<number>(LATENCY_BUCKETS_S.length + 1).fill(0);

  observe(durationSeconds: number, failed: boolean): void {
    this.requests += 1;
    if (failed) this.errors += 1;
    this.durationSum += durationSeconds;
    const index = LATENCY_BUCKETS_S.findIndex((upper) => durationSeconds <= upper);
    const slot = index === -1 ? LATENCY_BUCKETS_S.length : index;
    this.bucketHits[slot] = (this.bucketHits[slot] ?? 0) + 1;
  }

  render(version: string): string {
    const lines = [
      '# HELP http_requests_total Requests served on GET /.',
      '# TYPE http_requests_total counter',
      `http_requests_total ${this.requests}`,
      '# HELP http_request_errors_total Requests on GET / answered with a 5xx status.',
      '# TYPE http_request_errors_total counter',
      `http_request_errors_total ${this.errors}`,
      '# HELP http_request_duration_seconds Time to answer GET /.',
      '# TYPE http_request_duration_seconds histogram',
    ];
    let cumulative = 0;
    LATENCY_BUCKETS_S.forEach((upper, i) => {
      cumulative += this.bucketHits[i] ?? 0;
      lines.push(`http_request_duration_seconds_bucket{le="${upper}"} ${cumulative}`);
    });
    lines.push(`http_request_duration_seconds_bucket{le="+Inf"} ${this.requests}`);
    lines.push(`http_request_duration_seconds_sum ${this.durationSum}`);
    lines.push(`http_request_duration_seconds_count ${this.requests}`);
    lines.push('# HELP app_info The version this process serves.', '# TYPE app_info gauge');
    lines.push(`app_info{version="${escapeLabel(version)}"} 1`);
    return `${lines.join('\n')}\n`;
  }
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
