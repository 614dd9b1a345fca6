import { userInfo } from 'node:os';

/** Who runs the CLI, for --by: the login name, or $USER where there is no passwd entry. */
export function defaultUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'unknown';
  }
}
