import { elapsed } from './demoOutput';
import { DemoFailure } from './demoSettings';
import { killStackNow, track, type Stack } from './demoStack';
import { killRunningRampart } from './runRampart';

/** How the demo waits: for work it can abandon when it is interrupted or runs out of time. */
export interface Interrupts {
  /** Aborted by an interrupt or by the overall deadline. */
  signal: AbortSignal;
  /** Waits for work, unless the demo is aborted first; the work stays tracked until it settles. */
  step: <T>(work: Promise<T>) => Promise<T>;
  /** The signal that interrupted the demo, if one did. */
  interrupted: () => NodeJS.Signals | undefined;
  /** The demo is done waiting: the deadline no longer applies. */
  clearDeadline: () => void;
}

/** The exit code of a demo interrupted by `signal`: 130, 129 or 143. */
export function interruptedExitCode(signal: NodeJS.Signals): number {
  return 128 + (signal === 'SIGINT' ? 2 : signal === 'SIGHUP' ? 1 : 15);
}

/**
 * Interrupts and the overall deadline abort whatever the demo is waiting for; the stop follows.
 * A second interrupt kills everything at once; so does exiting without a clean stop.
 */
export function watchInterrupts(stack: Stack, timeoutMs: number): Interrupts {
  const abort = new AbortController();
  let interrupted: NodeJS.Signals | undefined;
  let interruptedAt = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    // One Ctrl-C can arrive more than once: from the terminal to the whole process group, and
    // relayed by npm and tsx. Only a signal a moment later means "kill at once".
    if (interrupted && Date.now() - interruptedAt < 2_000) return;
    if (interrupted) {
      process.stderr.write(`\ndemo: ${signal} again: killing everything now\n`);
      killRunningRampart('SIGKILL');
      killStackNow(stack);
      process.exit(interruptedExitCode(signal));
    }
    interrupted = signal;
    interruptedAt = Date.now();
    process.stderr.write(`\ndemo: ${signal}: stopping everything the demo started (again to kill at once)\n`);
    killRunningRampart();
    abort.abort(new DemoFailure(`interrupted by ${signal}`));
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onSignal);
  process.on('exit', () => {
    if (!(stack.keep && !interrupted)) killStackNow(stack);
  });
  const deadline = setTimeout(() => {
    killRunningRampart();
    abort.abort(new DemoFailure(`the demo did not finish within ${elapsed(timeoutMs)} (RAMPART_DEMO_TIMEOUT_MS); stopping it`));
  }, timeoutMs);
  deadline.unref();

  const step = <T>(work: Promise<T>): Promise<T> => {
    track(stack, work);
    return new Promise<T>((ok, fail) => {
      if (abort.signal.aborted) return fail(abort.signal.reason);
      const onAbort = () => fail(abort.signal.reason);
      abort.signal.addEventListener('abort', onAbort, { once: true });
      work.then(
        (value) => {
          abort.signal.removeEventListener('abort', onAbort);
          ok(value);
        },
        (err) => {
          abort.signal.removeEventListener('abort', onAbort);
          fail(err);
        },
      );
    });
  };

  return { signal: abort.signal, step, interrupted: () => interrupted, clearDeadline: () => clearTimeout(deadline) };
}
