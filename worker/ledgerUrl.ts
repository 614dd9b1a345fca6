import { z } from 'zod';

/**
 * RAMPART_LEDGER_URL, parsed once: a PostgreSQL URL as the `pg` client takes it, with the rules
 * checked here so that a typo fails at start-up (exit 2) with the rule, not at the first send.
 *
 *   postgres://user:password@db.internal:5432/rampart
 *   postgresql://rampart@%2Fvar%2Frun%2Fpostgresql/rampart        (unix socket folder as the host)
 *   postgres:///rampart?host=/var/run/postgresql&user=rampart      (the same, as a query parameter)
 */
const EXAMPLE = 'postgres://rampart:secret@db.internal:5432/rampart';

export const ledgerUrlSchema = z
  .string()
  .transform((text, ctx) => {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      ctx.addIssue({ code: 'custom', message: `must be a URL such as ${EXAMPLE}` });
      return z.NEVER;
    }
    if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
      ctx.addIssue({ code: 'custom', message: `must start with postgres:// or postgresql://, e.g. ${EXAMPLE} (got ${url.protocol}//)` });
      return z.NEVER;
    }
    const socketHost = url.searchParams.get('host');
    const host = socketHost ?? safeDecode(url.hostname);
    if (!host) {
      ctx.addIssue({ code: 'custom', message: `must name the database host (host:port, or a unix socket folder), e.g. ${EXAMPLE}` });
      return z.NEVER;
    }
    const port = url.port === '' ? 5432 : Number(url.port);
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      ctx.addIssue({ code: 'custom', message: `port must be 1-65535 (got ${url.port})` });
      return z.NEVER;
    }
    return { url: text, address: addressOf(host, port) };
  });

/** A valid ledger URL and where it points, without the password: "db.internal:5432" or "/run/postgresql/.s.PGSQL.5432". */
export type LedgerUrl = z.output<typeof ledgerUrlSchema>;

/** A unix socket folder is an absolute path; PostgreSQL's socket in it is named after the port. */
function addressOf(host: string, port: number): string {
  return host.startsWith('/') ? `${host.replace(/\/$/, '')}/.s.PGSQL.${port}` : `${host}:${port}`;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
