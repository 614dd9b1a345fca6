import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { ApplicationFailure } from '@temporalio/common';
import { parse } from 'yaml';
import { customersFileSchema, rosterEntry, type Customer, type CustomerArg, type CustomersFileRef, type RosterEntry } from '../domain/customers';
import { describeErrors, parseInput } from '../domain/issues';

/** The files this worker has read, by digest: a large rollout reads its file once, not once per batch. */
const loaded = new Map<string, Promise<Map<string, Customer>>>();
const KEEP = 4;

/**
 * The customers of a file that went by reference, checked against the digest the client took
 * when it validated the file. A file that changed since, or that this worker cannot read, is a
 * final failure that says so: retrying cannot bring the checked version back.
 */
export function customersIn(ref: CustomersFileRef): Promise<Map<string, Customer>> {
  const key = `${ref.sha256}:${ref.path}`;
  let found = loaded.get(key);
  if (!found) {
    found = load(ref);
    found.catch(() => loaded.delete(key));
    loaded.set(key, found);
    while (loaded.size > KEEP) loaded.delete(loaded.keys().next().value as string);
  }
  return found;
}

async function load(ref: CustomersFileRef): Promise<Map<string, Customer>> {
  let bytes: Buffer;
  try {
    bytes = await readFile(ref.path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw ApplicationFailure.nonRetryable(`customers file ${ref.path} cannot be read on this worker (${code}): workers must see the file at the path the rollout was started with`, 'CustomersFileUnreadable');
  }
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (actual !== ref.sha256) {
    throw ApplicationFailure.nonRetryable(`customers file ${ref.path} changed since the rollout started: sha256 ${actual}, expected ${ref.sha256}`, 'CustomersFileChanged');
  }
  const parsed = parseInput(customersFileSchema, parse(bytes.toString('utf8')));
  if (!parsed.ok) throw ApplicationFailure.nonRetryable(`customers file ${ref.path}: ${describeErrors(parsed.errors)}`, 'InvalidInput');
  return new Map(parsed.value.customers.map((c) => [c.id, c]));
}

/** The whole customer behind an activity argument. */
export async function resolveCustomer(arg: CustomerArg, file: CustomersFileRef | undefined): Promise<Customer> {
  if ('customer' in arg) return arg.customer;
  const customer = file ? (await customersIn(file)).get(arg.customerId) : undefined;
  if (!customer) throw ApplicationFailure.nonRetryable(`customer ${arg.customerId} is not in ${file ? `customers file ${file.path}` : 'this batch (no customers file given)'}`, 'InvalidInput');
  return customer;
}

export interface RosterPage {
  /** Customers in the whole file. */
  total: number;
  roster: RosterEntry[];
}

/** One page of a referenced customers file, as much as the rollout workflow keeps of each customer. */
export async function readCustomerRoster(args: { file: CustomersFileRef; offset: number; limit: number }): Promise<RosterPage> {
  const all = [...(await customersIn(args.file)).values()];
  return { total: all.length, roster: all.slice(args.offset, args.offset + args.limit).map(rosterEntry) };
}
