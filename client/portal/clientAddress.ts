/**
 * Which client a request comes from, for per-client limits (the event stream's cap). The peer's
 * address, except when the peer is the trusted proxy in front of the portal (`--trusted-proxy`):
 * then the address that proxy appended last to X-Forwarded-For, the only entry it vouches for
 * (earlier ones are whatever the client wrote). Without a trusted proxy the header is ignored,
 * so nobody can pick their own address.
 */
import type http from 'node:http';

/** "::ffff:10.0.0.1" (an IPv4 peer on a dual-stack socket) is 10.0.0.1. */
export function normaliseAddress(address: string): string {
  const trimmed = address.trim().toLowerCase();
  return trimmed.startsWith('::ffff:') && trimmed.includes('.') ? trimmed.slice(7) : trimmed;
}

export function clientAddress(req: http.IncomingMessage, trustedProxy?: string): string {
  const peer = normaliseAddress(req.socket.remoteAddress ?? 'unknown');
  if (trustedProxy === undefined || peer !== normaliseAddress(trustedProxy)) return peer;
  const header = req.headers['x-forwarded-for'];
  const forwarded = (Array.isArray(header) ? header.join(',') : header ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const last = forwarded[forwarded.length - 1];
  return last ? normaliseAddress(last) : peer;
}
