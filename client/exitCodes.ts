/** Exit codes of the rampart CLI; the README documents them. */
export const EXIT = {
  ok: 0,
  /** Something unexpected failed: a bug or a broken environment. */
  failure: 1,
  /** Bad input: a flag, a playbook, a fleet file. Nothing was started or changed. */
  badInput: 2,
  /** The rollout rejected the command in its current state (e.g. resume when not paused). */
  rejected: 3,
  /** No rollout with that id. */
  notFound: 4,
  /** Temporal could not be reached. */
  unreachable: 5,
  /** The rollout ended without completing: rolled back, failed, or held. */
  notCompleted: 6,
  /** A local process (e.g. `fleet up`'s targets) did not become ready within its --timeout; the message names what and the log to read. */
  notReady: 7,
} as const;

/** A mistake the user can fix: printed as one clear message, never as a stack trace. */
export class UserError extends Error {
  constructor(message: string, readonly exitCode: number = EXIT.badInput) {
    super(message);
    this.name = 'UserError';
  }
}
