import { readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { isAlive } from './processAlive';

/**
 * Processes known by a pid only: one recorded in a pid file or a stack record by an earlier run,
 * or one this process started but no longer holds a handle to. Every stop goes through
 * `isProcessOf` first, so a pid the kernel has since handed to some unrelated process is left alone.
 */

export { isAlive } from './processAlive';

/** The pid in a pid file, or undefined when the file is missing or holds no pid. */
export function readPidFile(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The pid-recycle guard: the process is alive and its command line holds every marker (a script
 * name, a data file). Without /proc (not Linux) the record is trusted.
 */
export function isProcessOf(pid: number, markers: string | string[]): boolean {
  if (!isAlive(pid)) return false;
  let cmdline: string;
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return true;
  }
  return (Array.isArray(markers) ? markers : [markers]).every((marker) => cmdline.includes(marker));
}

/** A signal to one process; false when there is no such process (any more). */
export function signalPid(pid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** A signal to a whole process group (pid = its leader); false when the group is empty. */
export function signalGroup(pid: number | undefined, signal: NodeJS.Signals | 0): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** Whether anything is left in the group led (once) by pid. */
export const groupAlive = (pid: number) => signalGroup(pid, 0);

/** Polls until the process is gone; false on timeout. */
export async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() >= deadline) return false;
    await delay(50);
  }
  return true;
}

export type StopOutcome = 'stopped' | 'killed' | 'not running';

export interface StopPidOptions {
  /** How long SIGTERM gets before SIGKILL. Default 5 s. */
  timeoutMs?: number;
  /** Signal the process's whole group (it was started as a group leader). Default true. */
  group?: boolean;
}

/**
 * SIGTERM, a bounded wait for the process to exit, then SIGKILL (and up to 5 s more). With
 * `group` (the default) the signals go to its process group, and whatever of the group outlived
 * its leader is killed at the end.
 */
export async function stopPid(pid: number, options: StopPidOptions = {}): Promise<StopOutcome> {
  const group = options.group ?? true;
  const send = (signal: NodeJS.Signals) => (group && signalGroup(pid, signal)) || signalPid(pid, signal);
  const sweep = () => group && signalGroup(pid, 'SIGKILL');
  if (!isAlive(pid)) {
    sweep(); // whatever of its group outlived it
    return 'not running';
  }
  send('SIGTERM');
  if (await waitForExit(pid, options.timeoutMs ?? 5_000)) {
    sweep();
    return 'stopped';
  }
  send('SIGKILL');
  if (!(await waitForExit(pid, 5_000))) throw new Error(`process ${pid} did not exit after SIGKILL`);
  sweep();
  return 'killed';
}

/** Immediate and synchronous, for a process 'exit' hook: SIGKILL to the group (or the pid alone). */
export function killNow(pid: number, options: { group?: boolean } = {}): void {
  if (!((options.group ?? true) && signalGroup(pid, 'SIGKILL'))) signalPid(pid, 'SIGKILL');
}
