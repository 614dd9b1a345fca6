import { z } from 'zod';

/**
 * Every URL a Rampart file names (targets, health and metrics endpoints, Prometheus, customer
 * webhooks, the portal) is one a worker or the client will call. Only http and https: a `file:`,
 * `ftp:` or `gopher:` URL would make the worker read or reach what no deploy needs. No secrets in
 * the URL, neither `https://user:pass@host` nor `?api_key=…`: a URL travels in workflow arguments
 * and histories and shows in error messages; a secret lives in the environment instead.
 */
const URL_RULE = 'expected an http:// or https:// URL';
export const MAX_URL_LENGTH = 2048;

function parsed(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

/** Query parameter names that say they carry a secret: api_key, apikey, token, access_token, secret, key, password, sig … */
const SECRET_PARAM = /(^|[_.-])(api_?key|apikey|key|token|secret|password|passwd|pwd|auth|authorization|signature|sig|credentials?)$/i;

/** The query parameters of `text` whose names say they carry a secret; [] when none or not a URL. */
export function secretQueryParams(text: string): string[] {
  const url = parsed(text);
  if (!url) return [];
  return [...new Set([...url.searchParams.keys()].filter((name) => SECRET_PARAM.test(name)))];
}

export interface SafeUrlOptions {
  /** The rule in words when the text is not an http(s) URL. */
  rule?: string;
  /** Where a secret belongs instead, for the error ("the environment variable `secretEnv` names"). */
  secretHome?: string;
}

/** An http(s) URL with a host and no secret in it (no `user:password@`, no `?token=`). */
export function safeUrlSchema(options: SafeUrlOptions = {}) {
  const rule = options.rule ?? URL_RULE;
  const secretHome = options.secretHome ?? 'the environment';
  return z
    .string({ error: rule })
    .max(MAX_URL_LENGTH, `expected a URL of at most ${MAX_URL_LENGTH} characters`)
    .superRefine((text, ctx) => {
      const url = parsed(text);
      if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') {
        ctx.addIssue({ code: 'custom', message: `${rule}, got ${JSON.stringify(text.slice(0, 80))}` });
        return;
      }
      if (url.username !== '' || url.password !== '') {
        ctx.addIssue({ code: 'custom', message: `credentials (user:password@) do not belong in a URL; secrets go in ${secretHome}` });
      }
      const names = secretQueryParams(text);
      if (names.length > 0) {
        ctx.addIssue({ code: 'custom', message: `the query string carries a secret (${names.join(', ')}); secrets do not belong in a URL, they go in ${secretHome}` });
      }
    });
}
