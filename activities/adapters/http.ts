import http from 'node:http';
import https from 'node:https';

/**
 * Plain HTTP with a hard deadline, shared by the local and webhook adapters. No connection pool
 * (`agent: false`): targets restart all the time, and a pooled socket to a process that is gone
 * turns into a confusing error on the next call.
 */
export interface HttpRequest {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  timeoutMs: number;
  /** Cancellation from the caller (an activity being cancelled). */
  signal?: AbortSignal;
  /** Bodies beyond this are cut off: a misbehaving target must not fill the worker's memory. */
  maxBytes?: number;
}

export interface HttpResponse {
  status: number;
  text: string;
}

export function httpRequest(req: HttpRequest): Promise<HttpResponse> {
  const method = req.method ?? 'GET';
  const timeout = AbortSignal.timeout(req.timeoutMs);
  const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout;
  const maxBytes = req.maxBytes ?? 1024 * 1024;
  const url = new URL(req.url);
  // The schemas allow only http(s) (domain/safeUrl.ts); a hand-made workflow input is refused here too.
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return Promise.reject(new Error(`${method} ${url.protocol} URLs are refused: only http and https`));
  const client = url.protocol === 'https:' ? https : http;

  return new Promise<HttpResponse>((resolve, reject) => {
    const fail = (err: unknown) => {
      if (req.signal?.aborted) reject(req.signal.reason);
      else if (timeout.aborted) reject(new Error(`${method} ${req.url} timed out after ${req.timeoutMs} ms`));
      else reject(new Error(`${method} ${req.url} failed: ${(err as Error).message}`, { cause: err }));
    };
    const headers: Record<string, string> = { ...req.headers };
    if (req.body !== undefined) headers['content-length'] = String(Buffer.byteLength(req.body));
    const request = client.request(url, { method, headers, agent: false, signal }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= maxBytes) chunks.push(chunk);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', fail);
    });
    request.on('error', fail);
    request.end(req.body);
  });
}

/** Joins a base URL and a path without doubling or dropping the slash between them. */
export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}

/** Waits, but gives up at once when the caller cancels. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
