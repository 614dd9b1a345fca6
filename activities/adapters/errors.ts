/**
 * Adapter failures carry a stable `name` so the activity layer can decide, by name alone, whether
 * a retry could help. Names that no retry can fix (see activities/targetActions.ts):
 * ArtifactMissing, ArtifactDigestMismatch, ArtifactInvalid, ReleaseMissing, WebhookRejected,
 * ConfigurationError. Anything else (a supervisor or receiver that is down) is worth retrying.
 */
export type AdapterErrorName =
  | 'ArtifactMissing'
  | 'ArtifactDigestMismatch'
  | 'ArtifactInvalid'
  | 'ReleaseMissing'
  | 'WebhookRejected'
  | 'WebhookUnavailable'
  | 'SupervisorUnavailable'
  | 'ConfigurationError';

export function adapterError(name: AdapterErrorName, message: string, cause?: unknown): Error {
  const error = new Error(message, cause === undefined ? undefined : { cause });
  error.name = name;
  return error;
}
