import { LATENCY_BUCKETS_S, parsePrometheusText, type TargetSample } from '../../domain/metrics';
import { httpRequest } from './http';
import type { HealthProbe } from './types';

/**
 * Reading a target's /health and /metrics, shared by every adapter whose targets serve them.
 * Neither throws: an unreachable target is an answer (up:false) that the health gate judges.
 */

export async function probeHealth(targetId: string, url: string): Promise<HealthProbe> {
  try {
    const res = await httpRequest({ url, timeoutMs: 1000 });
    if (res.status !== 200) return { targetId, up: false, version: null, detail: `/health answered HTTP ${res.status}` };
    const body = JSON.parse(res.text) as { version?: unknown };
    return { targetId, up: true, version: typeof body.version === 'string' ? body.version : null };
  } catch (err) {
    return { targetId, up: false, version: null, detail: (err as Error).message };
  }
}

export async function sampleMetrics(id: string, url: string): Promise<TargetSample> {
  try {
    const res = await httpRequest({ url, timeoutMs: 2000 });
    if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
    return parsePrometheusText(id, res.text);
  } catch {
    return { id, up: false, requests: 0, errors: 0, buckets: new Array<number>(LATENCY_BUCKETS_S.length + 1).fill(0) };
  }
}
