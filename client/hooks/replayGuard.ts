/**
 * Remembers the signatures of signed requests a hook accepted, so the same request sent again is
 * refused while its timestamp is still inside the window. Past the window the timestamp check
 * refuses it anyway, so an entry is kept only until then: memory is bounded by what arrives in
 * one window, and capped at `maxEntries` on top. When that many requests are still remembered,
 * new ones are refused (busy) rather than forgetting one that could then be replayed.
 *
 * In memory, per process: a restarted hook server forgets, which the timestamp check bounds to
 * one window. With several hook servers behind one address, a replay sent to another instance is
 * not recognised: run one, or route each sender to the same instance.
 */
export type Claim = 'fresh' | 'replayed' | 'busy';

export class ReplayGuard {
  /** signature -> when the entry expires (ms since the epoch). */
  private readonly seen = new Map<string, number>();
  private nextSweep = 0;

  constructor(private readonly options: { windowSeconds: number; maxEntries: number }) {}

  get size(): number {
    return this.seen.size;
  }

  /**
   * Takes a signature for a request signed at `timestampSeconds`: 'fresh' the first time (it is
   * remembered from now on), 'replayed' when it was taken before, 'busy' when the memory is full.
   */
  claim(signature: string, timestampSeconds: number, nowMs = Date.now()): Claim {
    this.sweep(nowMs);
    const expires = this.seen.get(signature);
    if (expires !== undefined && expires > nowMs) return 'replayed';
    if (this.seen.size >= this.options.maxEntries) return 'busy';
    this.seen.set(signature, (timestampSeconds + this.options.windowSeconds) * 1000 + 1000);
    return 'fresh';
  }

  /** Forgets a claim whose request failed on our side (the sender may retry the very same request). */
  release(signature: string): void {
    this.seen.delete(signature);
  }

  /** Drops expired entries: at most once a second, or whenever the memory is full. */
  private sweep(nowMs: number): void {
    if (nowMs < this.nextSweep && this.seen.size < this.options.maxEntries) return;
    this.nextSweep = nowMs + 1000;
    for (const [signature, expires] of this.seen) if (expires <= nowMs) this.seen.delete(signature);
  }
}
