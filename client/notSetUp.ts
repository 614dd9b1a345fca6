import { checkSearchAttributes, describeMissing, type HasOperatorService } from '../contract/searchAttributeRegistry';

/** The namespace lacks Rampart's search attributes: the message says what and the command to run. */
export class NotSetUpError extends Error {
  override readonly name = 'NotSetUpError';
}

/**
 * What a failed start or list becomes: NotSetUpError when the namespace lacks Rampart's search
 * attributes (the server refuses to store or query one it does not know), else the error itself.
 */
export async function notSetUpOr(client: { connection: HasOperatorService; options: { namespace: string } }, err: unknown): Promise<unknown> {
  const check = await checkSearchAttributes(client.connection, client.options.namespace).catch(() => null);
  return check && (check.missing.length > 0 || check.wrongType.length > 0) ? new NotSetUpError(describeMissing(check, client.options.namespace), { cause: err }) : err;
}
