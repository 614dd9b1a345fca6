/**
 * GET /api/stream: server-sent events for every open portal page, fed by the one shared
 * ReleaseTracker. A new client gets a `snapshot` of all releases, then `release` events (a
 * release's new public projection) and `customers` events (only its id: something its customers
 * see changed, so a customer page fetches its own view again, with its token). A comment line
 * every heartbeatMs keeps proxies from closing an idle stream and finds dead clients; a client that
 * disconnects, or reads so slowly that a megabyte piles up for it, is dropped.
 *
 * At most maxClients streams in all (503 past that) and maxPerAddress from one client address (429
 * past that), so one client cannot take every stream and lock every other visitor out.
 */
import type http from 'node:http';
import type { ReleaseChange, ReleaseTracker } from './releaseTracker';

const MAX_BUFFERED_BYTES = 1024 * 1024;

export const MAX_STREAMS = 500;
export const MAX_STREAMS_PER_ADDRESS = 10;

export interface EventStreamOptions {
  heartbeatMs?: number;
  maxClients?: number;
  maxPerAddress?: number;
  /** Who a request comes from; default the peer's address (portalServer.ts reads a trusted proxy's header). */
  addressOf?: (req: http.IncomingMessage) => string;
}

export class EventStream {
  private readonly clients = new Set<http.ServerResponse>();
  private readonly heartbeat: NodeJS.Timeout;
  private readonly unsubscribe: () => void;
  private sequence = 0;
  private readonly maxClients: number;
  private readonly maxPerAddress: number;
  private readonly addressOf: (req: http.IncomingMessage) => string;
  /** Open streams per client address; an address leaves the map with its last stream. */
  private readonly perAddress = new Map<string, number>();

  constructor(private readonly tracker: ReleaseTracker, options: EventStreamOptions = {}) {
    this.maxClients = options.maxClients ?? MAX_STREAMS;
    this.maxPerAddress = options.maxPerAddress ?? MAX_STREAMS_PER_ADDRESS;
    this.addressOf = options.addressOf ?? ((req) => req.socket.remoteAddress ?? 'unknown');
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
    const refuse = (status: number, error: string) => {
      res.writeHead(status, { ...headers, 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'retry-after': '10' });
      res.end(`${JSON.stringify({ error })}\n`);
    };
    if (this.clients.size >= this.maxClients) return refuse(503, 'too many open streams; retry later');
    const address = this.addressOf(req);
    const mine = this.perAddress.get(address) ?? 0;
    if (mine >= this.maxPerAddress) return refuse(429, `too many open streams from your address (at most ${this.maxPerAddress}); close one or retry later`);
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
    this.perAddress.set(address, mine + 1);
    let counted = true;
    const drop = () => {
      this.clients.delete(res);
      // Several events report one end (close, error, a failed write): count it once.
      if (!counted) return;
      counted = false;
      const left = (this.perAddress.get(address) ?? 1) - 1;
      if (left > 0) this.perAddress.set(address, left);
      else this.perAddress.delete(address);
    };
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
    this.perAddress.clear();
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
