import { closeSync, fstatSync, fsyncSync, openSync, readSync } from 'node:fs';
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';

/**
 * An append-only JSONL file that survives a crash: each append is fsynced before it resolves, and
 * a line torn by a crash mid-append is neither read nor allowed to swallow the next one. The sent
 * ledger and the customer notice decision log are built on it.
 *
 * Appends are serialised in this process. Reads are incremental: `readNew()` returns only what was
 * appended since the previous call, so a cache built from it stays current with the file.
 */
export class DurableJsonl {
  private readOffset = 0;
  private handle: Promise<FileHandle> | undefined;
  private writes: Promise<void> = Promise.resolve();

  constructor(readonly file: string) {}

  /**
   * The JSON objects on the whole lines appended since the last call (all of them the first time;
   * none when the file does not exist yet). A torn last line is left for a later call, and a line
   * that does not parse to an object is skipped.
   */
  readNew(): Record<string, unknown>[] {
    let fd: number;
    try {
      fd = openSync(this.file, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const lines: Record<string, unknown>[] = [];
    try {
      const size = fstatSync(fd).size;
      if (size <= this.readOffset) return lines;
      const buffer = Buffer.alloc(size - this.readOffset);
      const read = readSync(fd, buffer, 0, buffer.length, this.readOffset);
      const complete = buffer.subarray(0, read).lastIndexOf(0x0a) + 1;
      this.readOffset += complete;
      for (const raw of buffer.subarray(0, complete).toString('utf8').split('\n')) {
        if (!raw.trim()) continue;
        try {
          const line: unknown = JSON.parse(raw);
          if (typeof line === 'object' && line !== null) lines.push(line as Record<string, unknown>);
        } catch {
          // an incomplete line written as a process died
        }
      }
    } finally {
      closeSync(fd);
    }
    return lines;
  }

  /** One append at a time, each fsynced before the caller acts on it. `text` ends with a newline. */
  append(text: string): Promise<void> {
    const write = this.writes.then(async () => {
      const handle = await this.open();
      await handle.appendFile(text, 'utf8');
      await handle.sync();
    });
    this.writes = write.catch(() => undefined);
    return write;
  }

  /** Waits for pending appends and closes the file; a later append opens it again. */
  async close(): Promise<void> {
    await this.writes;
    const handle = this.handle;
    this.handle = undefined;
    if (handle) await (await handle).close();
  }

  private open(): Promise<FileHandle> {
    this.handle ??= (async () => {
      const dir = path.dirname(this.file);
      await mkdir(dir, { recursive: true });
      const handle = await open(this.file, 'a+');
      syncDirectory(dir); // a new file's directory entry must survive a crash too
      // A torn last line (a crash mid-append) must not swallow the next line: end it first.
      const { size } = await handle.stat();
      if (size > 0) {
        const last = Buffer.alloc(1);
        await handle.read(last, 0, 1, size - 1);
        if (last[0] !== 0x0a) await handle.appendFile('\n');
      }
      return handle;
    })();
    this.handle.catch(() => {
      this.handle = undefined;
    });
    return this.handle;
  }
}

function syncDirectory(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // not every file system lets a directory be fsynced
  }
}
