import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The append-only record of every change made to one target (DIR/install-log.jsonl). A change
 * writes `begin` before it touches anything and `done` after, so a retried activity can tell
 * "already done" (replay) from "interrupted half-way" (finish it) from "never started".
 *
 * A feature switch is a change too (action 'feature'): `from` and `to` are then "<feature>=<on>",
 * e.g. from "new-checkout=true" to "new-checkout=false".
 */
export interface JournalRecord {
  key: string;
  action: 'install' | 'rollback' | 'feature';
  /** Version `current` pointed at before the change (null on a target with no release); "<feature>=<bool>" for a feature switch. */
  from: string | null;
  /** The version the change installs or rolls back to; "<feature>=<bool>" for a feature switch. */
  to: string;
  at: string;
  phase: 'begin' | 'done';
}

export const journalPath = (targetDir: string) => join(targetDir, 'install-log.jsonl');

export async function readJournal(targetDir: string): Promise<JournalRecord[]> {
  const text = await readFile(journalPath(targetDir), 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return '';
    throw err;
  });
  return text.split('\n').flatMap((line): JournalRecord[] => {
    if (!line.trim()) return [];
    try {
      return [JSON.parse(line) as JournalRecord];
    } catch {
      return []; // a line torn by a crash mid-append: the change it described simply resumes
    }
  });
}

/** Appends one record and flushes it to disk before returning: the journal is what replay trusts. */
export async function appendJournal(targetDir: string, record: JournalRecord): Promise<void> {
  const file = await open(journalPath(targetDir), 'a+');
  try {
    // After a torn write the file may not end in a newline; start a fresh line so both survive.
    const { size } = await file.stat();
    let prefix = '';
    if (size > 0) {
      const last = Buffer.alloc(1);
      await file.read(last, 0, 1, size - 1);
      if (last.toString() !== '\n') prefix = '\n';
    }
    await file.appendFile(`${prefix}${JSON.stringify(record)}\n`);
    await file.datasync();
  } finally {
    await file.close();
  }
}

/** Where a change stands according to the journal. */
export function findChange(records: JournalRecord[], key: string): { begun?: JournalRecord; done?: JournalRecord } {
  return {
    begun: records.find((r) => r.key === key && r.phase === 'begin'),
    done: records.find((r) => r.key === key && r.phase === 'done'),
  };
}
