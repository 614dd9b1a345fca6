import { stat } from 'node:fs/promises';

/** Why `path` is not a regular file one can read (missing, a folder, a FIFO, a device), or undefined. */
export async function regularFileProblem(path: string): Promise<string | undefined> {
  const info = await stat(path).catch((err: NodeJS.ErrnoException) => err);
  if (info instanceof Error) return info.code === 'ENOENT' ? `${path}: file not found` : `${path}: cannot read file (${info.code})`;
  if (info.isDirectory()) return `${path} is a folder, expected a file`;
  if (!info.isFile()) return `${path} is not a regular file (a pipe, socket or device)`;
  return undefined;
}
