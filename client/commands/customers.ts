import type { Command } from 'commander';
import { formatDuration } from '../../domain/duration';
import { loadCustomersFile } from '../loadCustomers';
import { deferArgsSchema } from '../../domain/deferral';
import { MAX_DURATION, SECOND, durationBetween } from '../../domain/duration';
import { z } from 'zod';
import { parseFlags } from '../parseFlags';
import { terminalJson, terminalText } from '../../domain/escape/terminal';
import { withRollouts } from '../temporalSession';
import { defaultUser } from '../defaultUser';

/** How far ahead `--until 3d` may reach: a year (a customer's allowance is at most 90 days anyway). */
const UNTIL_FROM_NOW = durationBetween(SECOND, MAX_DURATION);

/** "3d" means three days from now; anything else must be an ISO time, checked by the schema. */
function untilFromFlag(text: unknown): unknown {
  if (typeof text !== 'string' || !/^\s*\d+\s*(ms|s|m|h|d)\s*$/.test(text)) return text;
  const ms = parseFlags(z.object({ until: UNTIL_FROM_NOW }), { until: text }).until;
  return new Date(Date.now() + ms).toISOString();
}

async function deferCustomer(rolloutId: string, opts: { customer?: string; until?: string; by?: string; reason?: string; json?: boolean }): Promise<void> {
  const args = parseFlags(deferArgsSchema, {
    customerId: opts.customer,
    until: untilFromFlag(opts.until),
    by: opts.by,
    ...(opts.reason ? { reason: opts.reason } : {}),
  });
  await withRollouts(async (rollouts) => {
    const answer = await rollouts.defer(rolloutId, args);
    console.log(opts.json ? terminalJson({ rolloutId, command: 'defer', accepted: true, message: answer }) : terminalText(answer));
  });
}

async function validateCustomers(file: string, opts: { json?: boolean }): Promise<void> {
  const { value } = await loadCustomersFile(file);
  if (opts.json) {
    console.log(JSON.stringify({ file, valid: true, customers: value.customers.map((c) => c.id) }));
    return;
  }
  for (const c of value.customers) {
    const windows = c.maintenanceWindows.map((w) => `${w.day} ${w.start} for ${formatDuration(w.duration)}`).join(', ');
    console.log(`${c.id}: ${c.channel}${c.pinToPrevious ? ', pinned to N-1' : ''}, ${c.targets.length} target(s), windows ${windows} (${c.timeZone}), defer up to ${formatDuration(c.maxDeferral)}`);
  }
}

export function registerCustomerCommands(program: Command): void {
  const customers = program.command('customers').description('customers, their targets, windows and notification preferences');
  customers
    .command('validate <file>')
    .description('check a customer file; every error with its line, path and rule (exit 2)')
    .option('--json', 'print JSON')
    .action(validateCustomers);
  customers
    .command('defer <rolloutId>')
    .description("put a customer's update off, within their allowance (rejected: exit 3)")
    .requiredOption('--customer <id>', 'customer id')
    .requiredOption('--until <time>', 'ISO time ("2026-11-30T09:00:00Z") or a duration from now ("3d")')
    .option('--by <name>', 'who asks (the customer contact, or you on their behalf)', defaultUser())
    .option('--reason <text>', 'why')
    .option('--json', 'print JSON')
    .action(deferCustomer);
}
