import type { Client } from '@temporalio/client';
import type { Artifact } from './noopRollout';

/** What each measurement needs: the client, the release to ship, the Ctrl-C signal and a progress log (stderr). */
export interface BenchContext {
  client: Client;
  artifact: Artifact;
  signal: AbortSignal;
  log: (message: string) => void;
  /** `promise`, abandoned at once on Ctrl-C (see abortable.ts). */
  until: <T>(promise: Promise<T>) => Promise<T>;
  /** Throws when a worker has died, so a measurement never waits on a queue nobody polls. */
  assertWorkersRunning: () => void;
}
