import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';

/** The CLI exactly as a user runs it from a checkout. */
export const RAMPART_BIN = resolve(__dirname, '../../bin/rampart');

export interface RunRampartOptions {
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Every line is echoed with this prefix; undefined: run quietly (output only captured). */
  prefix?: string;
  /** The output is appended here too, so it can be read after the demo. */
  logFile?: string;
  /** Killed (SIGTERM, then SIGKILL after 5 s) after this long. */
  timeoutMs: number;
}

export interface RampartRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** The CLI processes running now, so an interrupted demo can stop them. */
const running = new Set<ChildProcess>();

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

/** Stops every CLI process still running (interrupt, timeout of the whole demo). */
export function killRunningRampart(signal: NodeJS.Signals = 'SIGTERM'): void {
  for (const child of running) signalGroup(child, signal);
}

/**
 * Runs `bin/rampart ARGS` with no stdin, streaming each output line (prefixed) as it comes, and
 * resolves with its exit status and output. Bounded by timeoutMs. Never rejects.
 */
export function runRampart(args: string[], options: RunRampartOptions): Promise<RampartRun> {
  const log = (line: string) => {
    if (options.logFile) {
      try {
        appendFileSync(options.logFile, `${line}\n`);
      } catch {
        // the log is a convenience
      }
    }
  };
  log(`$ rampart ${args.join(' ')}`);
  return new Promise<RampartRun>((done) => {
    // Its own process group: a terminal's Ctrl-C reaches the demo, which then stops it deliberately.
    const child = spawn(RAMPART_BIN, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    running.add(child);
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const pipe = (stream: NodeJS.ReadableStream, onLine: (line: string) => void) => {
      const lines = createInterface({ input: stream, crlfDelay: Infinity });
      lines.on('line', (line) => {
        onLine(line);
        log(line);
        if (options.prefix !== undefined) process.stdout.write(`${options.prefix}${line}\n`);
      });
      return new Promise<void>((r) => lines.once('close', () => r()));
    };
    const streamsDone = Promise.all([
      pipe(child.stdout!, (line) => (stdout += `${line}\n`)),
      pipe(child.stderr!, (line) => (stderr += `${line}\n`)),
    ]);
    let killTimer: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      timedOut = true;
      signalGroup(child, 'SIGTERM');
      killTimer = setTimeout(() => signalGroup(child, 'SIGKILL'), 5_000);
    }, options.timeoutMs);
    let finished = false;
    const finish = (code: number | null, signal: NodeJS.Signals | null) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      if (killTimer) clearTimeout(killTimer);
      running.delete(child);
      // Output still buffered in the pipes is read before the result is handed back (bounded).
      void Promise.race([streamsDone, new Promise((r) => setTimeout(r, 2_000))]).then(() => {
        log(`(exit ${signal ?? code})`);
        done({ code, signal, stdout, stderr, timedOut });
      });
    };
    child.once('error', (err) => {
      stderr += `cannot run ${RAMPART_BIN}: ${err.message}\n`;
      finish(null, null);
    });
    child.once('exit', (code, signal) => finish(code, signal));
  });
}
