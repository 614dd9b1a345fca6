import { readFileSync } from 'node:fs';

const MB = 1024 * 1024;

/**
 * Peak resident set size of this process (which hosts the workers), from
 * process.memoryUsage().rss sampled on an interval; `mark` records the peak so far under a label.
 */
export class RssSampler {
  private peakBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  readonly marks: Record<string, { peakRssMb: number; heapUsedMb: number }> = {};

  constructor(readonly intervalMs = 100) {}

  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  mark(label: string): void {
    this.sample();
    this.marks[label] = { peakRssMb: Math.round(this.peakBytes / MB), heapUsedMb: Math.round(process.memoryUsage().heapUsed / MB) };
  }

  peakMb(): number {
    this.sample();
    return Math.round(this.peakBytes / MB);
  }

  private sample(): void {
    this.peakBytes = Math.max(this.peakBytes, process.memoryUsage().rss);
  }
}

/** The kernel's own high-water mark of this process's RSS (VmHWM), when /proc is there. */
export function vmHwmMb(): number | undefined {
  try {
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return match ? Math.round(Number(match[1]) / 1024) : undefined;
  } catch {
    return undefined;
  }
}
