/**
 * The checks a request that changes something must pass before anything is read from it: it comes
 * from the portal's own pages (Origin), says it is JSON, and is small. Each failure is an answer
 * the server sends as it is; nothing has been done by then.
 */
import type http from 'node:http';

export const MAX_BODY_BYTES = 16 * 1024;

export interface Refusal {
  status: number;
  error: string;
}

function header(req: http.IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * A browser sends Origin with every POST; when present it must be one of the portal's own
 * origins. Without Origin (a script, curl), a browser's Sec-Fetch-Site, if sent, must still say
 * same-origin: a cross-site request is refused however it arrives. Bearer tokens live in
 * sessionStorage, so a forged request would have no token anyway; this check is the second lock.
 */
export function checkOrigin(req: http.IncomingMessage, allowedOrigins: ReadonlySet<string>): Refusal | undefined {
  const origin = header(req, 'origin');
  if (origin !== undefined) {
    return allowedOrigins.has(origin.toLowerCase()) ? undefined : { status: 403, error: 'cross-origin request refused' };
  }
  const site = header(req, 'sec-fetch-site');
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return { status: 403, error: 'cross-origin request refused' };
  return undefined;
}

export function checkJsonContentType(req: http.IncomingMessage): Refusal | undefined {
  const type = header(req, 'content-type')?.split(';')[0]?.trim().toLowerCase();
  return type === 'application/json' ? undefined : { status: 415, error: 'expected Content-Type: application/json' };
}

/**
 * The body as JSON, or a refusal: 413 past MAX_BODY_BYTES (declared or actual; the rest is read
 * and thrown away, up to 8x, so the sender sees the answer), 400 when it is not JSON.
 */
export function readJsonBody(req: http.IncomingMessage): Promise<{ ok: true; value: unknown } | ({ ok: false } & Refusal)> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    let tooLarge = Number.isFinite(declared) && declared > MAX_BODY_BYTES;
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      if (size > 8 * MAX_BODY_BYTES) req.destroy();
      if (!tooLarge) chunks.push(chunk);
    });
    req.on('end', () => {
      if (tooLarge) return resolve({ ok: false, status: 413, error: `the body is larger than ${MAX_BODY_BYTES} bytes` });
      try {
        resolve({ ok: true, value: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown });
      } catch (err) {
        resolve({ ok: false, status: 400, error: `the body is not JSON: ${(err as Error).message}` });
      }
    });
    req.on('error', reject);
  });
}
