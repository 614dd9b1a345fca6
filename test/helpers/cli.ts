import { execFile } from 'node:child_process';
import path from 'node:path';

export const RAMPART_BIN = path.resolve(__dirname, '../../bin/rampart');

/** Runs the CLI as a user would. Asynchronously: an in-process worker must keep running meanwhile. */
export function rampart(args: string[], env: Record<string, string> = {}, timeoutMs = 90_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(RAMPART_BIN, args, { encoding: 'utf8', env: { ...process.env, ...env }, timeout: timeoutMs }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr });
    });
    child.stdin?.end();
  });
}
