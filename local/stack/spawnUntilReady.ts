import { spawnProcess } from '../process/processes';

/** What every process of the local stack is started with. */
export interface PartStart {
  env: NodeJS.ProcessEnv;
  cwd: string;
  logFile: string;
  readyTimeoutMs: number;
  /** Told the pid as soon as the process exists, so a caller can stop it even mid-start. */
  onSpawn?: (pid: number) => void;
  /** Stops waiting (the process is left for the caller to stop). */
  signal?: AbortSignal;
}

/**
 * How the local stack starts a part that runs as a process of its own (the demo's worker and
 * stand-ins), on the process helper: in its own process group (so it can outlive its starter, as
 * the demo's --keep wants, and a terminal's Ctrl-C does not reach it before the starter decides),
 * output appended to logFile, and a bounded wait until `ready` finds what it needs in the output it
 * wrote since. The starter stops what it started (or leaves it running on purpose).
 */
export async function spawnUntilReady<T>(
  options: PartStart & {
    what: string;
    command: string;
    args: string[];
    /** The command line as the log's header shows it. */
    banner: string;
    ready: (output: string) => T | undefined;
    pollMs: number;
    /** "start polling", "listen": what did not happen in time. */
    readyMeans: string;
    /** Stops a process that did not become ready. */
    stop: (pid: number) => Promise<unknown>;
  },
): Promise<{ pid: number; value: T }> {
  const proc = spawnProcess(options.command, options.args, {
    name: options.what,
    cwd: options.cwd,
    env: options.env,
    logFile: options.logFile,
    banner: `local stack: ${options.banner}`,
    lifetime: 'outlive',
  });
  const pid = proc.pid;
  if (pid === undefined) {
    await proc.exited;
    throw new Error(`cannot start ${options.what}: ${proc.describeExit()}`);
  }
  options.onSpawn?.(pid);
  try {
    const value = await proc.waitUntilReady(options.ready, {
      timeoutMs: options.readyTimeoutMs,
      pollMs: options.pollMs,
      means: options.readyMeans,
      keepOnTimeout: true,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    return { pid, value };
  } catch (err) {
    if (options.signal?.aborted) throw new Error(`stopped waiting for ${options.what}`);
    if (proc.running) await options.stop(pid);
    throw err;
  }
}
