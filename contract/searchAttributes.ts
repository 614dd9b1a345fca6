import { defineSearchAttributeKey, SearchAttributeType, type SearchAttributePair } from '@temporalio/common';
import { playbookSchema } from '../domain/playbook';

/**
 * Rampart's custom search attributes: what `rampart rollout list` and `rampart incident list`
 * filter on through Temporal visibility, so on-call sees what runs, waits or is held without an
 * id or the Web UI. The one list: dev servers register it at start (local/temporal/devServer.ts),
 * `rampart server setup` registers it on a cluster, and the worker refuses to start without it
 * (an upsert of an attribute the namespace does not know fails every workflow task).
 * Sandbox-safe: the workflows import the keys.
 */
export const SEARCH_ATTRIBUTES = {
  /** The rollout's state as its status says (running, held, completed, …). */
  rolloutState: defineSearchAttributeKey('RampartRolloutState', SearchAttributeType.KEYWORD),
  playbook: defineSearchAttributeKey('RampartPlaybook', SearchAttributeType.KEYWORD),
  version: defineSearchAttributeKey('RampartVersion', SearchAttributeType.KEYWORD),
  /** The release train that started the rollout, when one did. */
  train: defineSearchAttributeKey('RampartTrain', SearchAttributeType.KEYWORD),
  incidentState: defineSearchAttributeKey('RampartIncidentState', SearchAttributeType.KEYWORD),
  incidentSeverity: defineSearchAttributeKey('RampartIncidentSeverity', SearchAttributeType.KEYWORD),
} as const;

export type RampartSearchAttribute = (typeof SEARCH_ATTRIBUTES)[keyof typeof SEARCH_ATTRIBUTES];

export const SEARCH_ATTRIBUTE_LIST: readonly RampartSearchAttribute[] = Object.values(SEARCH_ATTRIBUTES);

/** The Temporal CLI's spelling of a type (`--search-attribute Name=Keyword`, `--type Keyword`). */
export const CLI_TYPE_NAME: Record<RampartSearchAttribute['type'], string> = { KEYWORD: 'Keyword' };

/** temporal.api.enums.v1.IndexedValueType, what the OperatorService takes and lists. */
export const INDEXED_VALUE_TYPE: Record<RampartSearchAttribute['type'], number> = { KEYWORD: 2 };

/**
 * Memo fields beside the attributes: shown by the lists, never filtered on (a memo is not
 * indexed, so free text such as a hold reason belongs here, not in a search attribute).
 */
export const LISTING_MEMO = { why: 'rampartWhy', step: 'rampartStep', summary: 'rampartSummary', paged: 'rampartPaged' } as const;

/** A Keyword value or a memo line is kept this short: the server caps a value at 2 KB, and a list row is one line. */
export const LISTING_VALUE_MAX = 200;

export function listingValue(text: string): string {
  return text.length <= LISTING_VALUE_MAX ? text : `${text.slice(0, LISTING_VALUE_MAX - 1)}…`;
}

/** The release train of a rollout input that carries one (`train`, set by a train's run; a name or `{ name }`), else null. */
export function trainOf(input: object): string | null {
  const train = (input as { train?: unknown }).train;
  if (typeof train === 'string') return train;
  const named = (train as { name?: unknown } | undefined)?.name;
  return typeof named === 'string' ? named : null;
}

/**
 * What a rollout is listed under from the moment it is started, before any worker ran it: its
 * version, its playbook's name when that is a valid one (the workflow judges the rest), its train.
 * The workflow upserts the same values, and its state, at its first task.
 */
export function startSearchAttributes(input: { playbook: unknown; release: { version: string } } & object): SearchAttributePair[] {
  const name = (input.playbook as { name?: unknown } | null)?.name;
  const train = trainOf(input);
  return [
    { key: SEARCH_ATTRIBUTES.version, value: listingValue(input.release.version) },
    ...(typeof name === 'string' && playbookSchema.shape.name.safeParse(name).success ? [{ key: SEARCH_ATTRIBUTES.playbook, value: name }] : []),
    ...(train !== null ? [{ key: SEARCH_ATTRIBUTES.train, value: listingValue(train) }] : []),
  ];
}
