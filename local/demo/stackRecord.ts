import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * What the demo started, written to `<demo dir>/stack.json` as each part comes up, so that a later
 * run (or a test) can find every process the demo left behind, and stop or check it.
 */
export interface DemoStackRecord {
  /** The demo process itself. */
  demoPid: number;
  dir: string;
  /** true when the stack was left running on purpose (--keep). */
  keep: boolean;
  temporal?: { pid: number; address: string; uiUrl?: string; dataDir: string };
  worker?: { pid: number; taskQueue: string; logFile: string };
  fleet?: { supervisorPid: number; stateDir: string; fleetFile: string; ports: number[] };
  /** The Slack Web API stand-in the worker posts to (url: its slackApiUrl). */
  slack?: StandinRecord;
  /** The SMTP stand-in the worker mails through; every mail it received is a line of storeFile. */
  smtp?: StandinRecord & { storeFile: string };
  /** Set once the demo has stopped everything it started (absent with --keep). */
  stoppedAt?: string;
}

/** A stand-in process: pid (its process group), and once it listens, its port and URL. */
export interface StandinRecord {
  pid: number;
  logFile: string;
  port?: number;
  url?: string;
}

export const stackRecordFile = (dir: string) => join(dir, 'stack.json');

export function readStackRecord(dir: string): DemoStackRecord | undefined {
  try {
    return JSON.parse(readFileSync(stackRecordFile(dir), 'utf8')) as DemoStackRecord;
  } catch {
    return undefined;
  }
}

/** Written aside and renamed, so a reader never sees half a record. */
export function writeStackRecord(record: DemoStackRecord): void {
  const file = stackRecordFile(record.dir);
  const partial = `${file}.partial-${process.pid}`;
  writeFileSync(partial, `${JSON.stringify(record, null, 2)}\n`);
  renameSync(partial, file);
}
