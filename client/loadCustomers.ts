import { assignCustomers } from '../domain/customerAssignment';
import { customersFileSchema } from '../domain/customers';
import type { Fleet } from '../domain/fleet';
import { UserError } from './exitCodes';
import { loadDocument } from './loadDocument';

/** A customers file checked on its own and against the fleet; returned as written, for the workflow. */
export async function loadCustomersForFleet(file: string, fleet: Fleet): Promise<unknown> {
  const { value, raw } = await loadDocument(file, customersFileSchema);
  const { errors } = assignCustomers(value, fleet.targets.map((t) => t.id), fleet.version, {});
  if (errors.length > 0) throw new UserError(errors.map((e) => `${file}: ${e}`).join('\n'));
  return raw;
}
