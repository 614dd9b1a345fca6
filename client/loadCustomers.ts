import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { assignCustomers } from '../domain/customerAssignment';
import { customersFileSchema, INLINE_CUSTOMERS_LIMIT, type CustomersFileRef } from '../domain/customers';
import type { Fleet } from '../domain/fleet';
import { UserError } from './exitCodes';
import { loadDocument } from './loadDocument';

/** A customers file may be large (it goes by reference above INLINE_CUSTOMERS_LIMIT), but not unbounded: 32 MiB. */
export const CUSTOMERS_FILE_LIMIT_BYTES = 32 * 1024 * 1024;

/** Loads and checks a customers file on its own, within its size cap. */
export function loadCustomersFile(file: string): ReturnType<typeof loadDocument<typeof customersFileSchema>> {
  return loadDocument(file, customersFileSchema, { maxBytes: CUSTOMERS_FILE_LIMIT_BYTES });
}

/** How a customers file joins the rollout's input: as written, or, when large, by path and digest. */
export type CustomersForInput = { customers: unknown } | { customersFile: CustomersFileRef };

/**
 * A customers file checked on its own and against the fleet. A small one travels in the
 * rollout's input as written; one above INLINE_CUSTOMERS_LIMIT goes by absolute path and the
 * sha256 of the bytes checked here, and workers read it there (and refuse it if it changed).
 */
export async function loadCustomersForFleet(file: string, fleet: Fleet): Promise<CustomersForInput> {
  const { value, raw } = await loadCustomersFile(file);
  const { errors } = assignCustomers(value, fleet.targets.map((t) => t.id), fleet.version, {});
  if (errors.length > 0) throw new UserError(errors.map((e) => `${file}: ${e}`).join('\n'));
  if (JSON.stringify(raw).length <= INLINE_CUSTOMERS_LIMIT) return { customers: raw };
  const bytes = await readFile(file);
  return { customersFile: { path: resolve(file), sha256: createHash('sha256').update(bytes).digest('hex') } };
}
