import type { Command } from 'commander';
import { customersFileSchema } from '../../domain/customers';
import { formatDuration } from '../../domain/duration';
import { loadDocument } from '../loadDocument';

async function validateCustomers(file: string, opts: { json?: boolean }): Promise<void> {
  const { value } = await loadDocument(file, customersFileSchema);
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
  program
    .command('customers')
    .description('customers, their targets, windows and notification preferences')
    .command('validate <file>')
    .description('check a customer file; every error with its line, path and rule (exit 2)')
    .option('--json', 'print JSON')
    .action(validateCustomers);
}
