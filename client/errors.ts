/**
 * What the typed clients throw. Front ends decide what each means to their user: the CLI maps
 * them to exit codes, the portal and hooks to HTTP statuses.
 */
export class NotFoundError extends Error {
  constructor(readonly kind: 'rollout' | 'incident' | 'train', readonly id: string) {
    super(`no ${kind} with id "${id}"`);
    this.name = 'NotFoundError';
  }
}

/** The workflow refused the command (its validator, or it has ended); nothing entered its history. */
export class RejectedError extends Error {
  constructor(readonly command: string, readonly reason: string) {
    super(`${command} rejected: ${reason}`);
    this.name = 'RejectedError';
  }
}

export class AlreadyExistsError extends Error {
  constructor(readonly kind: 'rollout' | 'incident', readonly id: string) {
    super(`a ${kind} with id "${id}" already exists`);
    this.name = 'AlreadyExistsError';
  }
}

export class UnreachableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UnreachableError';
  }
}
