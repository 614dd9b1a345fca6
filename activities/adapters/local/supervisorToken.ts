/**
 * The local fleet supervisor's control token. Its restart endpoint listens on loopback, where any
 * web page the operator opens could POST to it; so each supervisor run makes a random token,
 * writes it into every target's directory as `supervisor.token` (mode 0600, readable by the
 * operator's own processes only), and refuses a restart that does not carry it in this header.
 * A page in a browser can neither read the file nor send a custom header cross-site without a
 * preflight the supervisor never answers.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, unlinkSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export const SUPERVISOR_TOKEN_HEADER = 'x-rampart-supervisor-token';

export const supervisorTokenFile = (targetDir: string) => join(targetDir, 'supervisor.token');

export function newSupervisorToken(): string {
  return randomBytes(32).toString('hex');
}

/** Written before the supervisor listens; replaces the previous run's token. */
export function writeSupervisorToken(targetDir: string, token: string): void {
  const file = supervisorTokenFile(targetDir);
  removeSupervisorToken(targetDir);
  // 'wx': a fresh file, so the mode applies (an existing one would keep its own).
  writeFileSync(file, `${token}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
}

export function removeSupervisorToken(targetDir: string): void {
  try {
    unlinkSync(supervisorTokenFile(targetDir));
  } catch {
    // not there
  }
}

/** The running supervisor's token for a target, or undefined when none was written. */
export async function readSupervisorToken(targetDir: string): Promise<string | undefined> {
  const text = await readFile(supervisorTokenFile(targetDir), 'utf8').catch(() => undefined);
  return text?.trim() || undefined;
}

export function isSupervisorToken(given: string | undefined, token: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given.trim());
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}
