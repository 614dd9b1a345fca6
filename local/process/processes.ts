import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

/**
 * Child processes for tests, each in its own process group with its output in a log file, and
 * stopped for sure: `stop()` sends SIGTERM to the group, waits (bounded), then SIGKILL. Anything
 * still running when the test process exits or is interrupted is killed too.
 *
 *   const procs = new ProcessGroup();
 *   after(() => procs.stopAll());
 *   const target = procs.spawn('node', ['server.js'], { name: 'target-1' });
 *   await target.waitForOutput(/listening/, 10_000);
 */

export interface SpawnOptions {
  /** Used in the log file's name and in errors. Default: the command's base name. */
  name?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Where stdout and stderr go. Default: a new file in a temp folder. */
  logFile?: string;
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export class ManagedProcess {
  readonly exited: Promise<ExitStatus>;
  private status: ExitStatus | undefined;

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
    readonly logFile: string,
  ) {
    this.exited = new Promise<ExitStatus>((resolve) => {
      child.once('exit', (code, signal) => {
        this.status = { code, signal };
        resolve(this.status);
      });
      child.once('error', () => {
        this.status ??= { code: null, signal: null };
        resolve(this.status);
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.status === undefined && this.child.pid !== undefined;
  }

  /** Everything the process wrote so far. */
  output(): string {
    try {
      return readFileSync(this.logFile, 'utf8');
    } catch {
      return '';
    }
  }

  /** Waits until the output matches; fails after timeoutMs or when the process exits first. */
  async waitForOutput(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = this.output().match(pattern);
      if (match) return match;
      if (!this.running) {
        throw new Error(`${this.name} exited (${describe(this.status)}) before printing ${pattern}; log ${this.logFile}:\n${tail(this.output())}`);
      }
      if (Date.now() >= deadline) {
        throw new Error(`${this.name} did not print ${pattern} within ${timeoutMs} ms; log ${this.logFile}:\n${tail(this.output())}`);
      }
      await delay(50);
    }
  }

  /** Sends a signal to the whole process group. */
  signal(signal: NodeJS.Signals): void {
    signalGroup(this.child.pid, signal);
  }

  /** SIGTERM to the group, wait up to timeoutMs, then SIGKILL (and wait up to 5 s more). */
  async stop(timeoutMs = 5_000): Promise<ExitStatus> {
    if (this.running) {
      this.signal('SIGTERM');
      const stopped = await Promise.race([this.exited.then(() => true), delay(timeoutMs).then(() => false)]);
      if (!stopped) {
        this.signal('SIGKILL');
        await Promise.race([this.exited, delay(5_000)]);
      }
    }
    // The leader may be gone while others in its group live on.
    signalGroup(this.child.pid, 'SIGKILL');
    live.delete(this);
    return this.status ?? { code: null, signal: null };
  }
}

/** Spawns and remembers processes, so that an `after` hook can stop them all. */
export class ProcessGroup {
  private readonly processes: ManagedProcess[] = [];

  spawn(command: string, args: string[], options: SpawnOptions = {}): ManagedProcess {
    const proc = spawnLogged(command, args, options);
    this.processes.push(proc);
    return proc;
  }

  async stopAll(timeoutMs = 5_000): Promise<void> {
    await Promise.all(this.processes.splice(0).map((proc) => proc.stop(timeoutMs)));
  }
}

/** Spawns one process in its own group with stdout and stderr appended to a log file. */
export function spawnLogged(command: string, args: string[], options: SpawnOptions = {}): ManagedProcess {
  const name = options.name ?? path.basename(command);
  const logFile =
    options.logFile ?? path.join(mkdtempSync(path.join(os.tmpdir(), 'rampart-proc-')), `${name.replace(/[^\w.-]/g, '_')}.log`);
  const fd = openSync(logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', fd, fd],
      detached: true, // its own process group, so stop() reaches its children too
    });
  } finally {
    closeSync(fd);
  }
  const proc = new ManagedProcess(name, child, logFile);
  if (child.pid !== undefined) {
    live.add(proc);
    installExitGuard();
    void proc.exited.then(() => live.delete(proc));
  }
  return proc;
}

const live = new Set<ManagedProcess>();
let guardInstalled = false;

function killAllNow(): void {
  for (const proc of live) signalGroup(proc.pid, 'SIGKILL');
  live.clear();
}

function installExitGuard(): void {
  if (guardInstalled) return;
  guardInstalled = true;
  process.once('exit', killAllNow);
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    process.once(signal, () => {
      killAllNow();
      process.exit(code);
    });
  }
}

function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // no such group any more
  }
}

function describe(status: ExitStatus | undefined): string {
  if (!status) return 'still running';
  return status.signal ? `signal ${status.signal}` : `code ${status.code}`;
}

function tail(text: string, lines = 20): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}
