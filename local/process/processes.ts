import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { killNow, signalGroup, stopPid, type StopOutcome } from './pids';
import { lastLines, NotReadyError, pollUntil } from './readiness';
import { nodeArgsForTs } from './tsxCommand';

/**
 * The one way Rampart's local machinery starts a process. Each child leads its own process group
 * (so a stop reaches whatever it started, and a terminal's Ctrl-C reaches only its owner, which
 * decides), its output goes to a log file, readiness is a bounded wait on that output, and stop is
 * SIGTERM to the group, a bounded wait, then SIGKILL.
 *
 * Lifetime: by default a child dies with its owner (this process). On a normal exit or on
 * SIGINT/SIGTERM/SIGHUP its group is signalled here; for the owner's SIGKILL, which no handler
 * sees, the child is tied (`tie`): `'ipc'` gives it an IPC channel and it calls
 * exitWithParent itself (our own scripts do); `'leash'` wraps a command that knows nothing of us
 * in leash.ts, which stops it when the channel closes. `lifetime: 'outlive'` is for what must keep
 * running after its starter exits (`rampart server start`, `rampart fleet up`, the demo's --keep).
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
  /** Where stdout and stderr go (appended). Default: a new file in a temp folder. */
  logFile?: string;
  /** 'inherit': stdout and stderr are this process's own (a foreground command); no log file. */
  output?: 'log' | 'inherit';
  /** A header line written to the log before the process starts. */
  banner?: string;
  /** 'owner' (default): dies with this process. 'outlive': keeps running after it. */
  lifetime?: 'owner' | 'outlive';
  /** How an owned child learns of its owner's SIGKILL; see above. Default 'none' (exit hooks only). */
  tie?: 'none' | 'ipc' | 'leash';
  /** Do not keep this process's event loop alive for the child. Default: true when it outlives us. */
  unref?: boolean;
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export class ManagedProcess {
  readonly exited: Promise<ExitStatus>;
  private status: ExitStatus | undefined;
  private spawnError: Error | undefined;

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
    readonly logFile: string,
    /** Where this run's output starts in the log (earlier runs may have appended before it). */
    readonly logOffset = 0,
    /** How it learns of its owner's end (SpawnOptions.tie). */
    readonly tie: 'none' | 'ipc' | 'leash' = 'none',
  ) {
    this.exited = new Promise<ExitStatus>((resolve) => {
      child.once('exit', (code, signal) => {
        this.status = { code, signal };
        resolve(this.status);
      });
      child.once('error', (err) => {
        this.spawnError = err;
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

  /** How it ended, for messages: "code 1", "signal SIGKILL", "still running". */
  describeExit(): string {
    if (this.spawnError) return `cannot start: ${this.spawnError.message}`;
    if (!this.status) return 'still running';
    return this.status.signal ? `signal ${this.status.signal}` : `code ${this.status.code}`;
  }

  /** Everything the process wrote so far (this run's part of the log). */
  output(): string {
    if (!this.logFile) return '';
    try {
      return readFileSync(this.logFile, 'utf8').slice(this.logOffset);
    } catch {
      return '';
    }
  }

  /**
   * Waits until `ready` finds what it needs in the output; fails after timeoutMs (the process is
   * then stopped unless keepOnTimeout) or when the process exits first. `means` names what did
   * not happen: "print /listening/", "start polling".
   */
  async waitUntilReady<T>(
    ready: (output: string) => T | undefined,
    options: { timeoutMs: number; means: string; pollMs?: number; signal?: AbortSignal; keepOnTimeout?: boolean },
  ): Promise<T> {
    const failFast = () => {
      if (options.signal?.aborted) return `stopped waiting for ${this.name}`;
      if (this.running) return undefined;
      // One last look: it may have printed what we wait for and then exited.
      return ready(this.output()) === undefined ? `${this.name} exited (${this.describeExit()}) before it would ${options.means}; log ${this.logFile} ends with:\n${lastLines(this.output())}` : undefined;
    };
    try {
      return await pollUntil(() => ready(this.output()), {
        timeoutMs: options.timeoutMs,
        pollMs: options.pollMs ?? 50,
        failFast,
        onTimeout: () => new NotReadyError(`${this.name} did not ${options.means} within ${options.timeoutMs / 1000} s; log ${this.logFile} ends with:\n${lastLines(this.output())}`, this.logFile),
      });
    } catch (err) {
      if (!options.keepOnTimeout && !options.signal?.aborted) await this.stop(2_000);
      throw err;
    }
  }

  /** Waits until the output matches; fails after timeoutMs or when the process exits first. */
  async waitForOutput(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
    return this.waitUntilReady((out) => out.match(pattern) ?? undefined, { timeoutMs, means: `print ${pattern}`, keepOnTimeout: true });
  }

  /** Sends a signal to the whole process group. */
  kill(signal: NodeJS.Signals): void {
    signalGroup(this.child.pid, signal);
  }

  /** SIGTERM to the group, wait up to timeoutMs, then SIGKILL (and wait up to 5 s more). */
  async stop(timeoutMs = 5_000): Promise<ExitStatus> {
    await this.stopped(timeoutMs);
    return this.status ?? { code: null, signal: null };
  }

  /** Like stop, answering how it went. */
  async stopped(timeoutMs = 5_000): Promise<StopOutcome> {
    let outcome: StopOutcome = 'not running';
    const pid = this.child.pid;
    if (this.running && pid !== undefined) {
      signalGroup(pid, 'SIGTERM');
      const exited = await Promise.race([this.exited.then(() => true), delay(timeoutMs).then(() => false)]);
      outcome = 'stopped';
      if (!exited) {
        signalGroup(pid, 'SIGKILL');
        await Promise.race([this.exited, delay(5_000)]);
        outcome = 'killed';
      }
    }
    // The leader may be gone while others in its group live on.
    if (pid !== undefined) await stopPid(pid, { timeoutMs: 1_000 }).catch(() => undefined);
    owned.delete(this);
    return outcome;
  }
}

/** Spawns and remembers processes, so that an `after` hook can stop them all. */
export class ProcessGroup {
  private readonly processes: ManagedProcess[] = [];

  spawn(command: string, args: string[], options: SpawnOptions = {}): ManagedProcess {
    const proc = spawnProcess(command, args, options);
    this.processes.push(proc);
    return proc;
  }

  async stopAll(timeoutMs = 5_000): Promise<void> {
    await Promise.all(this.processes.splice(0).map((proc) => proc.stop(timeoutMs)));
  }
}

const LEASH = path.join(__dirname, 'leash.ts');

/** Starts one process in its own group, output appended to its log file; see the top of this file. */
export function spawnProcess(command: string, args: string[], options: SpawnOptions = {}): ManagedProcess {
  const name = options.name ?? path.basename(command);
  const inherit = options.output === 'inherit';
  const logFile = inherit
    ? ''
    : (options.logFile ?? path.join(mkdtempSync(path.join(os.tmpdir(), 'rampart-proc-')), `${name.replace(/[^\w.-]/g, '_')}.log`));
  const lifetime = options.lifetime ?? 'owner';
  const tie = lifetime === 'owner' ? (options.tie ?? 'none') : 'none';
  const [file, argv] = tie === 'leash' ? [process.execPath, nodeArgsForTs(LEASH, [command, ...args])] : [command, args];
  const stdio = (out: number | 'inherit'): StdioOptions => (tie === 'none' ? ['ignore', out, out] : ['ignore', out, out, 'ipc']);
  const start = (out: number | 'inherit') => spawn(file, argv, { cwd: options.cwd, env: options.env ?? process.env, stdio: stdio(out), detached: true });
  let child: ChildProcess;
  let offset = 0;
  if (inherit) {
    child = start('inherit');
  } else {
    const fd = openSync(logFile, 'a');
    try {
      if (options.banner !== undefined) writeSync(fd, `\n--- ${new Date().toISOString()} ${options.banner}\n`);
      offset = statSync(logFile).size;
      child = start(fd);
    } finally {
      closeSync(fd);
    }
  }
  child.on('error', () => undefined); // reported through exited / describeExit
  if (options.unref ?? lifetime === 'outlive') {
    child.unref();
    child.channel?.unref();
  }
  const proc = new ManagedProcess(name, child, logFile, offset, tie);
  if (child.pid !== undefined && lifetime === 'owner') {
    owned.add(proc);
    installOwnerGuard();
    void proc.exited.then(() => owned.delete(proc));
  }
  return proc;
}

/** The earlier name of spawnProcess. */
export const spawnLogged = spawnProcess;

/** Owned children still running: they go when this process goes. */
const owned = new Set<ManagedProcess>();
let guardInstalled = false;

/**
 * A process ended by SIGINT/SIGTERM/SIGHUP emits no 'exit' event. A program that handles such a
 * signal itself decides what its children get (a worker must see one signal, not two: a second
 * one ends its graceful shutdown). Otherwise owned children get SIGTERM and the signal then takes
 * its usual course. On 'exit', whatever is still owned goes: a tied child gets SIGTERM (it then
 * also sees its owner gone and, leashed, is killed after a grace period), any other SIGKILL.
 */
function installOwnerGuard(): void {
  if (guardInstalled) return;
  guardInstalled = true;
  process.once('exit', () => {
    for (const proc of owned) {
      if (proc.pid === undefined) continue;
      if (proc.tie === 'none') killNow(proc.pid);
      else signalGroup(proc.pid, 'SIGTERM');
    }
    owned.clear();
  });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = () => {
      if (process.listenerCount(sig) > 1) return;
      for (const proc of owned) signalGroup(proc.pid, 'SIGTERM');
      process.removeListener(sig, onSignal);
      process.kill(process.pid, sig);
    };
    process.on(sig, onSignal);
  }
}
