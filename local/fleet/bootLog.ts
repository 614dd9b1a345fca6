import { appendFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The target's own record of every time its process came up (DIR/boot-log.jsonl), written by the
 * target process itself, not by whoever installed it. The install journal says what Rampart meant
 * to do; this says what the target lived through: a release switched in twice shows as two boots
 * on that version in a row, whoever asked for them. Fault tests read both.
 */
export interface BootRecord {
  at: string;
  version: string;
  pid: number;
}

export const bootLogPath = (targetDir: string) => join(targetDir, 'boot-log.jsonl');

/** Synchronous: called once at start-up, before the target counts as serving. */
export function recordBoot(targetDir: string, record: BootRecord): void {
  appendFileSync(bootLogPath(targetDir), `${JSON.stringify(record)}\n`);
}

export async function readBootLog(targetDir: string): Promise<BootRecord[]> {
  const text = await readFile(bootLogPath(targetDir), 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return '';
    throw err;
  });
  return text.split('\n').flatMap((line): BootRecord[] => {
    if (!line.trim()) return [];
    try {
      return [JSON.parse(line) as BootRecord];
    } catch {
      return []; // a line torn by a kill mid-append
    }
  });
}
