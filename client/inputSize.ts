import { UserError } from './exitCodes';

/** How many bytes a workflow argument takes as the JSON payload Temporal stores. */
export function payloadBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? '');
}

/**
 * Refuses, before anything is started, an input Temporal would refuse or that would bloat the
 * history: exit 2 naming the size and the limit.
 */
export function checkInputSize(what: string, value: unknown, limit: number): void {
  const bytes = payloadBytes(value);
  if (bytes > limit) {
    throw new UserError(`${what} is ${bytes} bytes as JSON, more than the ${limit} bytes a workflow input may take (Temporal refuses payloads above 2 MB); make the playbook, fleet or policy smaller`);
  }
}
