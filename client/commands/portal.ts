import type { Command } from 'commander';
import { z } from 'zod';
import { safeUrlSchema } from '../../domain/safeUrl';
import { EXIT, UserError } from '../exitCodes';
import { loadCustomersFile } from '../loadCustomers';
import { parseFlags } from '../parseFlags';
import { customerToken, MIN_PORTAL_SECRET_LENGTH, PORTAL_SECRET_ENV } from '../portal/customerTokens';
import { startPortal } from '../portal/portalServer';
import { withTemporal } from '../temporalSession';

const serveFlags = z.strictObject({
  customers: z.string({ error: 'expected a customers file' }).min(1),
  port: z.coerce.number({ error: 'expected a port number' }).int().min(0).max(65535),
  host: z.string().min(1),
  publicUrl: safeUrlSchema({ rule: 'expected the http(s) address customers open, e.g. https://status.example.com' }).optional(),
  trustedProxy: z.union([z.ipv4(), z.ipv6()], { error: 'expected the IP address of the proxy in front of the portal, e.g. 10.0.0.5' }).optional(),
});

const tokenFlags = z.strictObject({
  customer: z.string({ error: 'expected a customer id' }).regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'expected a customer id'),
  customers: z.string({ error: 'expected a customers file' }).min(1),
  json: z.boolean().optional(),
});

/** The secret customer tokens are signed with: refuse to go on without a real one. */
function portalSecret(): string {
  const secret = process.env[PORTAL_SECRET_ENV];
  if (!secret || secret.length < MIN_PORTAL_SECRET_LENGTH) {
    throw new UserError(`${PORTAL_SECRET_ENV} must be set to a secret of at least ${MIN_PORTAL_SECRET_LENGTH} characters: customer tokens are signed with it`, EXIT.badInput);
  }
  return secret;
}

/** Serves the public status portal until Ctrl-C. */
async function serve(raw: unknown): Promise<void> {
  const flags = parseFlags(serveFlags, raw);
  const secret = portalSecret();
  // A wildcard address is no origin a browser uses: the page's own requests would all be refused.
  if ((flags.host === '0.0.0.0' || flags.host === '::') && !flags.publicUrl) {
    throw new UserError(`--public-url: required with --host ${flags.host}: the address customers open, whose origin the portal accepts changes from`);
  }
  const { value: file } = await loadCustomersFile(flags.customers);
  await withTemporal(async (client, config) => {
    const portal = await startPortal({
      client,
      taskQueue: config.taskQueue,
      customers: file.customers.map((c) => ({ id: c.id, name: c.name })),
      secret,
      port: flags.port,
      host: flags.host,
      ...(flags.publicUrl ? { publicUrl: flags.publicUrl } : {}),
      ...(flags.trustedProxy ? { trustedProxy: flags.trustedProxy } : {}),
      log: (line) => console.error(`portal: ${line}`),
    }).catch((err: unknown) => {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') throw new UserError(`--port: cannot listen on ${flags.host}:${flags.port} (${code})`);
      throw err;
    });
    console.log(`status portal listening on ${portal.url} (${file.customers.length} customers; rollouts on task queue "${config.taskQueue}")`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await portal.close();
  });
}

/** Prints one customer's portal token: HMAC-SHA256(RAMPART_PORTAL_SECRET, customer id). */
async function printToken(raw: unknown): Promise<void> {
  const flags = parseFlags(tokenFlags, raw);
  const secret = portalSecret();
  const { value: file } = await loadCustomersFile(flags.customers);
  if (!file.customers.some((c) => c.id === flags.customer)) {
    throw new UserError(`--customer: no customer "${flags.customer}" in ${flags.customers} (known: ${file.customers.map((c) => c.id).join(', ')})`);
  }
  const token = customerToken(secret, flags.customer);
  console.log(flags.json ? JSON.stringify({ customerId: flags.customer, token, fragment: `#customer=${flags.customer}&token=${token}` }) : token);
}

export function registerPortalCommands(program: Command): void {
  const portal = program
    .command('portal')
    .description(`the public status portal: releases, incidents, an Atom feed, and each customer's own view (needs ${PORTAL_SECRET_ENV})`)
    .enablePositionalOptions()
    // Not a requiredOption: commander would then demand it of `portal token` too; zod checks it.
    .option('--customers <file>', 'customers file: who may sign in (required)')
    .option('--port <port>', 'port to listen on', '8089')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--public-url <url>', 'the address customers open, when behind a proxy (its origin is the only one allowed to make changes)')
    .option('--trusted-proxy <ip>', "the proxy's address: per-client limits then use the client address it appends to X-Forwarded-For")
    .action(serve);
  portal
    .command('token')
    .description(`print a customer's portal token (HMAC of the customer id under ${PORTAL_SECRET_ENV})`)
    .requiredOption('--customer <id>', 'customer id')
    .requiredOption('--customers <file>', 'customers file')
    .option('--json', 'print JSON with the URL fragment for /customer')
    .action(printToken);
}
