import { isAlive } from '../local/process/processAlive';
import os from 'node:os';

/** Which ledger a worker keeps its sends in; carried in its identity so other workers can tell. */
export type LedgerKind = 'file' | 'postgres';

/**
 * A Rampart worker's identity on Temporal: Temporal's usual `<pid>@<host>`, then the ledger it
 * keeps, e.g. `4242@build-7 ledger=file`. The task queue's poller list shows identities, so a
 * worker starting up learns from it which of the others share its ledger, and can tell a worker
 * of this host that has died (its pid is gone) from one still running.
 */
export function workerIdentity(ledger: LedgerKind, pid = process.pid, host = os.hostname()): string {
  return `${pid}@${host} ledger=${ledger}`;
}

export interface ParsedIdentity {
  pid?: number;
  host?: string;
  /** undefined: not a Rampart worker of this kind (another program, or an older Rampart). */
  ledger?: LedgerKind;
}

export function parseIdentity(identity: string): ParsedIdentity {
  const match = /^(\d+)@(\S+)(?: ledger=(file|postgres))?$/.exec(identity);
  if (!match) return {};
  return { pid: Number(match[1]), host: match[2], ...(match[3] ? { ledger: match[3] as LedgerKind } : {}) };
}

/**
 * False only when the identity names a process of this host that no longer runs: a worker killed a
 * moment ago stays in the poller list for minutes, and must not stop its own restart.
 */
export function mayStillRun(identity: string, host = os.hostname()): boolean {
  const { pid, host: itsHost } = parseIdentity(identity);
  if (pid === undefined || itsHost !== host) return true;
  return isAlive(pid);
}
