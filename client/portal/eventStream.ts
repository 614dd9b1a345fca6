/**
 * GET /api/stream: server-sent events for every open portal page, fed by the one shared
 * ReleaseTracker. A new client gets a `snapshot` of all releases, then `release` events (a
 * release's new public projection) and `customers` events (only its id: something its customers
 * see changed, so a customer page fetches its own view again, with its token). A comment line
 * every heartbeatMs keeps proxies from closing an idle stream and finds dead clients; a client that
 * disconnects, or reads so slowly that a megabyte piles up for it, is dropped.
 */
import type http from 'node:http';
import type { ReleaseChange, ReleaseTracker } from './releaseTracker';

const MAX_BUFFERED_BYTES = 1024 * 1024;

export interface EventStreamOptions {
  heartbeatMs?: number;
  maxClients?: number;
}

export class EventStream {
  private readonly clients = new Set<http.ServerResponse>();
  private readonly heartbeat: NodeJS.Timeout;
  private readonly unsubscribe: () => void;
  private sequence = 0;
  private readonly maxClients: number;

  constructor(private readonly tracker: ReleaseTracker, options: EventStreamOptions = {}) {
    this.maxClients = options.maxClients ?? 500;
    this.unsubscribe = tracker.subscribe((change) => this.broadcast(change));
    this.heartbeat = setInterval(() => {
      for (const res of this.clients) this.write(res, `: heartbeat ${new Date().toISOString()}\n\n`);
    }, options.heartbeatMs ?? 15_000);
    this.heartbeat.unref();
  }

  get size(): number {
    return this.clients.size;
  }

  /** Answers one GET /api/stream; `headers` are the portal's security headers. */
  open(req: http.IncomingMessage, res: http.ServerResponse, headers: Record<string, string>): void {
    if (this.clients.size >= this.maxClients) {
      const body = `${JSON.stringify({ error: 'too many open streams; retry later' })}\n`;
      res.writeHead(503, { ...headers, 'content-type': 'application/json; charset=utf-8', 'retry-after': '10' });
      res.end(body);
      return;
    }
    res.writeHead(200, {
      ...headers,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      // Tells nginx and friends not to buffer the stream.
      'x-accel-buffering': 'no',
    });
    // An SSE stream lives for as long as the page does: no request timeout applies to it.
    req.socket.setTimeout(0);
    req.socket.setNoDelay(true);
    this.clients.add(res);
    const drop = () => this.clients.delete(res);
    req.on('close', drop);
    res.on('close', drop);
    res.on('error', drop);
    this.write(res, `retry: 2000\n\n`);
    this.write(res, this.frame('snapshot', { releases: this.tracker.releases() }));
  }

  close(): void {
    clearInterval(this.heartbeat);
    this.unsubscribe();
    for (const res of this.clients) res.end();
    this.clients.clear();
  }

  private broadcast(change: ReleaseChange): void {
    const frame = change.kind === 'release' ? this.frame('release', change.release) : this.frame('customers', { id: change.id });
    for (const res of this.clients) this.write(res, frame);
  }

  private frame(event: string, data: unknown): string {
    // JSON has no raw newlines, so one data line carries the whole event.
    return `id: ${++this.sequence}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
  }

  private write(res: http.ServerResponse, text: string): void {
    if (res.writableEnded || res.destroyed) {
      this.clients.delete(res);
      return;
    }
    if (res.writableLength > MAX_BUFFERED_BYTES) {
      this.clients.delete(res);
      res.destroy();
      return;
    }
    res.write(text);
  }
}
