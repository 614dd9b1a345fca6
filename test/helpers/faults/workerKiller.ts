import { setTimeout as delay } from 'node:timers/promises';
import type { PoolWorker, WorkerPool } from './workerPool';

export interface KillRecord {
  /** ms since the epoch. */
  at: number;
  worker: string;
  /** Workers polling just before the kill (the killed one included). */
  readyBefore: number;
}

export interface WorkerKillerOptions {
  /** Bounds of the pause before each kill; drawn uniformly between them. */
  minGapMs: number;
  maxGapMs: number;
  /** Stops killing after this many kills (the rollouts then finish without faults). */
  atLeast: number;
  log: (message: string) => void;
}

/**
 * The fault injector: after a random pause, SIGKILL a random worker that is polling, then start
 * it again; repeat until `atLeast` kills are done or it is stopped. Never the last one: a kill
 * happens only while at least two workers poll, so one always remains. Gaps and choices come from
 * the seeded `random`.
 */
export class WorkerKiller {
  readonly kills: KillRecord[] = [];
  /** Half-second waits because a kill was due while fewer than two workers polled. */
  waits = 0;
  private running = false;
  private paused = false;
  private loop: Promise<void> | undefined;
  private readonly restarts = new Set<Promise<void>>();
  private restartFailure: Error | undefined;
  private wake: AbortController | undefined;

  constructor(
    private readonly pool: WorkerPool,
    private readonly random: () => number,
    private readonly options: WorkerKillerOptions,
  ) {}

  /** All the kills it was asked for are done. */
  get done(): boolean {
    return this.kills.length >= this.options.atLeast;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** No kill while paused (a dev server outage, say); a kill that falls due meanwhile waits for resume. */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
  }

  /** Stops killing and waits until every killed worker polls again. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.abort();
    await this.loop;
    await Promise.all([...this.restarts]);
    if (this.restartFailure) throw this.restartFailure;
  }

  private async run(): Promise<void> {
    const { minGapMs, maxGapMs } = this.options;
    while (this.running && !this.done) {
      const gap = minGapMs + this.random() * (maxGapMs - minGapMs);
      const pick = this.random();
      if (!(await this.sleep(gap))) return;
      // Due now; if only one worker polls, wait (in short steps) until another is back rather
      // than drawing a new pause, so kills keep their pace while restarts are slow.
      let ready = this.pool.ready();
      while (this.paused || ready.length < 2) {
        if (!this.paused) this.waits += 1;
        if (!(await this.sleep(500))) return;
        ready = this.pool.ready();
      }
      await this.killAndRestart(ready[Math.floor(pick * ready.length)]!, ready.length);
    }
  }

  /** false when stopped meanwhile. */
  private async sleep(ms: number): Promise<boolean> {
    this.wake = new AbortController();
    await delay(ms, undefined, { signal: this.wake.signal }).catch(() => undefined);
    return this.running;
  }

  private async killAndRestart(worker: PoolWorker, readyBefore: number): Promise<void> {
    const at = Date.now();
    await this.pool.kill(worker);
    this.kills.push({ at, worker: worker.name, readyBefore });
    this.options.log(`kill ${this.kills.length}: SIGKILL ${worker.name} (${readyBefore} polling before)`);
    const restart = this.pool.start(worker).catch((err: Error) => {
      this.restartFailure ??= err;
    });
    this.restarts.add(restart);
    void restart.finally(() => this.restarts.delete(restart));
  }
}
