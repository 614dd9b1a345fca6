import { spawnUntilReady, type PartStart } from './spawnUntilReady';
import { resolve } from 'node:path';
import { isProcessOf, killNow, stopPid, type StopOutcome } from '../process/pids';
import { nodeArgsForTs } from '../process/tsxCommand';

/** The local Slack Web API and SMTP stand-ins (local/standins/), run as processes of their own. */
export const SLACK_STANDIN_SCRIPT = resolve(__dirname, '../standins/slackServer.ts');
export const SMTP_STANDIN_SCRIPT = resolve(__dirname, '../standins/smtpServer.ts');

export interface RunningStandin {
  /** The process group's leader: the stand-in itself, or with `outlive` the shell that waits for it. */
  pid: number;
  port: number;
  url: string;
  logFile: string;
}

/**
 * Starts `node --import tsx <script> ARGS` in its own process group, output appended to logFile,
 * and waits (bounded) for the JSON line {"port":N,"url":"..."} a stand-in prints once it listens.
 *
 * A stand-in exits when the process that started it goes away (exitWithParent). That is right for
 * a normal run; with `outlive` (e.g. the demo's --keep) a shell in the same group stays its parent, so
 * it keeps serving the worker after the demo has exited, until its group is stopped.
 */
export async function startStandin(options: PartStart & { script: string; args: string[]; outlive: boolean }): Promise<RunningStandin> {
  const { logFile } = options;
  const node = [process.execPath, ...nodeArgsForTs(options.script, options.args)];
  // `; exit $?` keeps the shell from exec'ing node in its place: the shell must stay the parent.
  const [command, ...args] = options.outlive ? ['/bin/sh', '-c', '"$0" "$@"; exit $?', ...node] : node;
  const { pid, value } = await spawnUntilReady({
    ...options,
    what: options.script,
    command: command!,
    args,
    banner: node.slice(1).join(' '),
    ready: (output) => {
      const line = /^(\{"port":\d+,"url":"[^"]+"\})$/m.exec(output);
      return line ? (JSON.parse(line[1]!) as { port: number; url: string }) : undefined;
    },
    pollMs: 100,
    readyMeans: 'listen',
    stop: (p) => stopStandin(p, 2_000),
  });
  return { pid, port: value.port, url: value.url, logFile };
}

/** SIGTERM to the stand-in's group; SIGKILL after timeoutMs. */
export async function stopStandin(pid: number, timeoutMs = 5_000): Promise<StopOutcome> {
  return await stopPid(pid, { timeoutMs });
}

/** Immediate, synchronous kill for the process 'exit' hook. */
export const killStandinNow = (pid: number): void => killNow(pid);

/** Only a pid whose command line runs that stand-in is ours to stop (a recorded pid may be reused). */
export const isStandinProcess = (pid: number, script: string): boolean => isProcessOf(pid, script);
