import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { nodeArgsForTs } from '../../activities/localFleet/tsxCommand';
import { isAlive } from '../localFleet';

/** The local Slack Web API and SMTP stand-ins (client/standins/), run as processes of their own. */
export const SLACK_STANDIN_SCRIPT = resolve(__dirname, '../standins/slackServer.ts');
export const SMTP_STANDIN_SCRIPT = resolve(__dirname, '../standins/smtpServer.ts');

export interface RunningStandin {
  /** The process group's leader: the stand-in itself, or with `outlive` the shell that waits for it. */
  pid: number;
  port: number;
  url: string;
  logFile: string;
}

function tail(file: string, from: number, lines = 20): string {
  try {
    return readFileSync(file, 'utf8').slice(from).trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts `node --import tsx <script> ARGS` in its own process group, output appended to logFile,
 * and waits (bounded) for the JSON line {"port":N,"url":"..."} a stand-in prints once it listens.
 *
 * A stand-in exits when the process that started it goes away (exitWithParent). That is right for
 * a normal run; with `outlive` (the demo's --keep) a shell in the same group stays its parent, so
 * it keeps serving the worker after the demo has exited, until its group is stopped.
 */
export async function startStandin(options: {
  script: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  logFile: string;
  outlive: boolean;
  readyTimeoutMs: number;
  /** Told the pid as soon as the process exists, so a caller can stop it even mid-start. */
  onSpawn?: (pid: number) => void;
  signal?: AbortSignal;
}): Promise<RunningStandin> {
  const { logFile } = options;
  const node = [process.execPath, ...nodeArgsForTs(options.script, options.args)];
  // `; exit $?` keeps the shell from exec'ing node in its place: the shell must stay the parent.
  const [command, ...args] = options.outlive ? ['/bin/sh', '-c', '"$0" "$@"; exit $?', ...node] : node;
  const fd = openSync(logFile, 'a');
  let from: number;
  let pid: number | undefined;
  let exit: string | undefined;
  try {
    writeSync(fd, `\n--- ${new Date().toISOString()} demo: ${node.slice(1).join(' ')}\n`);
    from = statSync(logFile).size;
    const child = spawn(command!, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', fd, fd], detached: true });
    child.once('exit', (code, signal) => (exit = signal ?? `code ${code}`));
    child.once('error', (err) => (exit = err.message));
    child.unref();
    pid = child.pid;
  } finally {
    closeSync(fd);
  }
  if (pid === undefined) {
    await delay(50);
    throw new Error(`cannot start ${options.script}: ${exit ?? 'no pid'}`);
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
    const line = /^(\{"port":\d+,"url":"[^"]+"\})$/m.exec(output);
    if (line) {
      const { port, url } = JSON.parse(line[1]!) as { port: number; url: string };
      return { pid, port, url, logFile };
    }
    if (options.signal?.aborted) throw new Error(`the demo stopped waiting for ${options.script}`);
    if (exit !== undefined) throw new Error(`${options.script} exited during start-up (${exit}); ${logFile} ends with:\n${tail(logFile, from)}`);
    if (Date.now() > deadline) {
      await stopStandin(pid, 2_000);
      throw new Error(`${options.script} did not listen within ${options.readyTimeoutMs / 1000} s; ${logFile} ends with:\n${tail(logFile, from)}`);
    }
    await delay(100);
  }
}

/** SIGTERM to the stand-in's group, until nothing in it is left; SIGKILL after timeoutMs. */
export async function stopStandin(pid: number, timeoutMs = 5_000): Promise<'stopped' | 'killed' | 'not running'> {
  if (!signalGroup(pid, 0)) return 'not running';
  signalGroup(pid, 'SIGTERM');
  const deadline = Date.now() + timeoutMs;
  while (signalGroup(pid, 0)) {
    if (Date.now() > deadline) {
      signalGroup(pid, 'SIGKILL');
      await delay(200);
      return 'killed';
    }
    await delay(50);
  }
  return 'stopped';
}

/** Immediate, synchronous kill for the process 'exit' hook. */
export function killStandinNow(pid: number): void {
  signalGroup(pid, 'SIGKILL');
}

/** Only a pid whose command line runs that stand-in is ours to stop (a recorded pid may be reused). */
export function isStandinProcess(pid: number, script: string): boolean {
  if (!isAlive(pid)) return false;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(script);
  } catch {
    return true; // no /proc: trust the record
  }
}
