import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';

function tail(file: string, from: number, lines = 20): string {
  try {
    return readFileSync(file, 'utf8').slice(from).trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/**
 * Starts a process in its own process group (so it can outlive the demo with --keep, and a
 * terminal's Ctrl-C does not reach it before the demo decides), output appended to logFile, and
 * waits (bounded) until `ready` finds what it needs in the output it wrote since.
 */
export async function spawnUntilReady<T>(options: {
  what: string;
  command: string;
  args: string[];
  /** The command line as the log's header shows it. */
  banner: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  logFile: string;
  ready: (output: string) => T | undefined;
  readyTimeoutMs: number;
  pollMs: number;
  /** "start polling", "listen": what did not happen in time. */
  readyMeans: string;
  /** Stops a process that did not become ready. */
  stop: (pid: number) => Promise<unknown>;
  /** Told the pid as soon as the process exists, so a caller can stop it even mid-start. */
  onSpawn?: (pid: number) => void;
  /** Stops waiting (the process is left for the caller to stop). */
  signal?: AbortSignal;
}): Promise<{ pid: number; value: T }> {
  const { logFile, what } = options;
  const fd = openSync(logFile, 'a');
  let from: number;
  let pid: number | undefined;
  let exit: string | undefined;
  try {
    writeSync(fd, `\n--- ${new Date().toISOString()} demo: ${options.banner}\n`);
    from = statSync(logFile).size;
    const child = spawn(options.command, options.args, { cwd: options.cwd, env: options.env, stdio: ['ignore', fd, fd], detached: true });
    child.once('exit', (code, signal) => (exit = signal ?? `code ${code}`));
    child.once('error', (err) => (exit = err.message));
    child.unref();
    pid = child.pid;
  } finally {
    closeSync(fd);
  }
  if (pid === undefined) {
    await delay(50);
    throw new Error(`cannot start ${what}: ${exit ?? 'no pid'}`);
  }
  options.onSpawn?.(pid);
  const deadline = Date.now() + options.readyTimeoutMs;
  for (;;) {
    let output = '';
    try {
      output = readFileSync(logFile, 'utf8').slice(from);
    } catch {
      // not written yet
    }
    const value = options.ready(output);
    if (value !== undefined) return { pid, value };
    if (options.signal?.aborted) throw new Error(`the demo stopped waiting for ${what}`);
    if (exit !== undefined) throw new Error(`${what} exited during start-up (${exit}); ${logFile} ends with:\n${tail(logFile, from)}`);
    if (Date.now() > deadline) {
      await options.stop(pid);
      throw new Error(`${what} did not ${options.readyMeans} within ${options.readyTimeoutMs / 1000} s; ${logFile} ends with:\n${tail(logFile, from)}`);
    }
    await delay(options.pollMs);
  }
}
