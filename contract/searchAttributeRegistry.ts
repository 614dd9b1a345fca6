import type { temporal } from '@temporalio/proto';
import { CLI_TYPE_NAME, INDEXED_VALUE_TYPE, SEARCH_ATTRIBUTE_LIST, type RampartSearchAttribute } from './searchAttributes';

/**
 * Whether a namespace has Rampart's search attributes, and registering them: shared by the
 * worker's start-up check, `rampart server setup` and the clients' messages. Over whatever
 * connection the caller has (a client's or a worker's); nothing here runs in a workflow.
 */

/** A client Connection or a worker's NativeConnection: both carry the OperatorService. */
export interface HasOperatorService {
  operatorService: temporal.api.operatorservice.v1.OperatorService;
}

export interface SearchAttributeCheck {
  missing: RampartSearchAttribute[];
  /** Registered under Rampart's name with another type: nothing Rampart can fix by itself. */
  wrongType: { key: RampartSearchAttribute; registeredAs: string }[];
}

/** The command that registers the attributes, for messages that send the operator there. */
export const SETUP_COMMAND = 'rampart server setup';

/** The Temporal CLI's equivalent, one line per attribute (the README shows them too). */
export function temporalCliCommands(namespace: string): string[] {
  return SEARCH_ATTRIBUTE_LIST.map((k) => `temporal operator search-attribute create --namespace ${namespace} --name ${k.name} --type ${CLI_TYPE_NAME[k.type]}`);
}

const encodeSearchAttributeIndexedValueType = (type: RampartSearchAttribute['type']): number => INDEXED_VALUE_TYPE[type];

const TYPE_NAMES = ['Unspecified', 'Text', 'Keyword', 'Int', 'Double', 'Bool', 'Datetime', 'KeywordList'];
const typeName = (type: number | null | undefined): string => TYPE_NAMES[type ?? 0] ?? `type ${type}`;

/** Which of Rampart's attributes the namespace lacks (or has with another type). */
export async function checkSearchAttributes(connection: HasOperatorService, namespace: string): Promise<SearchAttributeCheck> {
  const listed = await connection.operatorService.listSearchAttributes({ namespace });
  const custom = listed.customAttributes ?? {};
  const check: SearchAttributeCheck = { missing: [], wrongType: [] };
  for (const key of SEARCH_ATTRIBUTE_LIST) {
    const registered = custom[key.name];
    if (registered === undefined) check.missing.push(key);
    else if (registered !== encodeSearchAttributeIndexedValueType(key.type)) check.wrongType.push({ key, registeredAs: typeName(registered) });
  }
  return check;
}

export class SearchAttributeConflict extends Error {
  override readonly name = 'SearchAttributeConflict';
}

/**
 * Registers whatever of Rampart's attributes the namespace lacks; running it again changes
 * nothing. Returns the names it added (empty: everything was there already).
 */
export async function registerSearchAttributes(connection: HasOperatorService, namespace: string): Promise<string[]> {
  const { missing, wrongType } = await checkSearchAttributes(connection, namespace);
  if (wrongType.length > 0) {
    throw new SearchAttributeConflict(
      `namespace ${namespace}: ${wrongType.map((w) => `${w.key.name} is registered as ${w.registeredAs}, Rampart needs ${CLI_TYPE_NAME[w.key.type]}`).join('; ')}; ` +
        'remove it (temporal operator search-attribute remove) or use another namespace',
    );
  }
  if (missing.length === 0) return [];
  await connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(missing.map((k) => [k.name, encodeSearchAttributeIndexedValueType(k.type)])),
  });
  return missing.map((k) => k.name);
}

/** The worker's and the client's refusal when the namespace lacks them: what is missing and the command to run. */
export function describeMissing(check: SearchAttributeCheck, namespace: string): string {
  const parts = [
    ...(check.missing.length > 0 ? [`lacks ${check.missing.map((k) => k.name).join(', ')}`] : []),
    ...check.wrongType.map((w) => `has ${w.key.name} as ${w.registeredAs}, not ${CLI_TYPE_NAME[w.key.type]}`),
  ];
  return `namespace ${namespace} ${parts.join(' and ')}: Rampart's search attributes (what "rollout list" and "incident list" read) must be registered first. ` +
    `Run "${SETUP_COMMAND}" once against this cluster (same TEMPORAL_* settings), or "temporal operator search-attribute create" for each (see the README)`;
}
