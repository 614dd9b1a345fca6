import http from 'node:http';

/**
 * Steady requests against a target's own GET / over loopback, so its metrics move without an
 * external load generator. In-flight requests are capped: a slow (latency-faulted) version gets
 * fewer requests per second instead of an ever-growing pile of open sockets.
 */
export interface TrafficOptions {
  url: string;
  requestsPerSecond: number;
  maxInFlight?: number;
}

const MAX_RPS = 500;

export function startSyntheticTraffic(options: TrafficOptions): { stop(): void } {
  const rps = Math.min(options.requestsPerSecond, MAX_RPS);
  if (!(rps > 0)) return { stop() {} };
  const maxInFlight = options.maxInFlight ?? 8;
  const agent = new http.Agent({ keepAlive: true, maxSockets: maxInFlight });
  let inFlight = 0;

  const fire = () => {
    if (inFlight >= maxInFlight) return;
    inFlight += 1;
    const done = () => {
      inFlight -= 1;
    };
    const req = http.get(options.url, { agent, timeout: 60_000 }, (res) => {
      res.resume();
      res.on('end', done);
      res.on('error', done);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', done);
  };

  const timer = setInterval(fire, 1000 / rps);
  // Traffic alone must not keep a process alive that is otherwise shutting down.
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      agent.destroy();
    },
  };
}

/** Requests per second from RAMPART_TRAFFIC_RPS, or the default when unset or not a number >= 0. */
export function trafficRateFromEnv(fallback = 20): number {
  const raw = process.env.RAMPART_TRAFFIC_RPS;
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  return Number.isFinite(value) && value >= 0 ? value : fallback;
}
