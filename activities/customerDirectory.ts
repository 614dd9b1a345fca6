import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { ApplicationFailure } from '@temporalio/common';
import { parse } from 'yaml';
import { customersFileSchema, rosterEntry, type Customer, type CustomerArg, type CustomersFileRef, type RosterEntry } from '../domain/customers';
import { describeErrors, parseInput } from '../domain/issues';
import { checkInStore } from '../artifacts/store';

/** The files this worker has read, by digest: a large rollout reads its file once, not once per batch. */
const loaded = new Map<string, Promise<Map<string, Customer>>>();
const KEEP = 4;
/** Larger than any customers file Rampart is measured with (10,000 customers are about 5 MB). */
const MAX_CUSTOMERS_FILE_BYTES = 256 * 1024 * 1024;

/**
 * The customers of a file that went by reference, checked against the digest the client took
 * when it validated the file. A file that changed since, or that this worker cannot read, is a
 * final failure that says so: retrying cannot bring the checked version back.
 */
export function customersIn(ref: CustomersFileRef, store: readonly string[]): Promise<Map<string, Customer>> {
  const key = `${ref.sha256}:${ref.path}:${store.join('\0')}`;
  let found = loaded.get(key);
  if (!found) {
    found = load(ref, store);
    found.catch(() => loaded.delete(key));
    loaded.set(key, found);
    while (loaded.size > KEEP) loaded.delete(loaded.keys().next().value as string);
  }
  return found;
}

async function load(ref: CustomersFileRef, store: readonly string[]): Promise<Map<string, Customer>> {
  // Only from the artifact store, and only a regular file of bounded size: a hand-made reference
  // must not make the worker read /etc/shadow or /dev/zero.
  const inStore = await checkInStore(store, ref.path, 'customers file');
  if (!inStore.ok && inStore.kind === 'missing') throw unreadable(ref, 'ENOENT');
  if (!inStore.ok) throw ApplicationFailure.nonRetryable(`${inStore.reason}; put large customers files in the store too`, 'CustomersFileUnreadable');
  const info = await stat(inStore.realPath).catch(() => undefined);
  if (!info?.isFile() || info.size > MAX_CUSTOMERS_FILE_BYTES) {
    throw ApplicationFailure.nonRetryable(`customers file ${ref.path} is not a regular file of at most ${MAX_CUSTOMERS_FILE_BYTES / 1024 / 1024} MB`, 'CustomersFileUnreadable');
  }
  let bytes: Buffer;
  try {
    bytes = await readFile(inStore.realPath);
  } catch (err) {
    throw unreadable(ref, (err as NodeJS.ErrnoException).code ?? String(err));
  }
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (actual !== ref.sha256) {
    throw ApplicationFailure.nonRetryable(`customers file ${ref.path} changed since the rollout started: sha256 ${actual}, expected ${ref.sha256}`, 'CustomersFileChanged');
  }
  const parsed = parseInput(customersFileSchema, parse(bytes.toString('utf8')));
  if (!parsed.ok) throw ApplicationFailure.nonRetryable(`customers file ${ref.path}: ${describeErrors(parsed.errors)}`, 'InvalidInput');
  return new Map(parsed.value.customers.map((c) => [c.id, c]));
}

function unreadable(ref: CustomersFileRef, code: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(`customers file ${ref.path} cannot be read on this worker (${code}): workers must see the file at the path the rollout was started with`, 'CustomersFileUnreadable');
}

/** The whole customer behind an activity argument. */
export async function resolveCustomer(arg: CustomerArg, file: CustomersFileRef | undefined, store: readonly string[]): Promise<Customer> {
  if ('customer' in arg) return arg.customer;
  const customer = file ? (await customersIn(file, store)).get(arg.customerId) : undefined;
  if (!customer) throw ApplicationFailure.nonRetryable(`customer ${arg.customerId} is not in ${file ? `customers file ${file.path}` : 'this batch (no customers file given)'}`, 'InvalidInput');
  return customer;
}

export interface RosterPage {
  /** Customers in the whole file. */
  total: number;
  roster: RosterEntry[];
}

/** One page of a referenced customers file, as much as the rollout workflow keeps of each customer. */
export interface RosterArgs {
  file: CustomersFileRef;
  offset: number;
  limit: number;
}

export async function readCustomerRoster(args: RosterArgs, store: readonly string[]): Promise<RosterPage> {
  const all = [...(await customersIn(args.file, store)).values()];
  return { total: all.length, roster: all.slice(args.offset, args.offset + args.limit).map(rosterEntry) };
}
