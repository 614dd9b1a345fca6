import { readFileSync } from 'node:fs';

const MB = 1024 * 1024;

/**
 * Peak resident set size of this process (which hosts the workers), from
 * process.memoryUsage().rss sampled on an interval, or of another process (`pid`, from its
 * /proc/<pid>/status VmRSS); `mark` records the peak so far under a label.
 */
export class RssSampler {
  private peakBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  readonly marks: Record<string, { peakRssMb: number; heapUsedMb: number }> = {};

  constructor(readonly intervalMs = 100, readonly pid?: number) {}

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
    this.peakBytes = Math.max(this.peakBytes, this.pid === undefined ? process.memoryUsage().rss : (statusKb(this.pid, 'VmRSS') ?? 0) * 1024);
  }
}

/** The kernel's own high-water mark of this process's RSS (VmHWM), when /proc is there. */
export function vmHwmMb(): number | undefined {
  const kb = statusKb('self', 'VmHWM');
  return kb === undefined ? undefined : Math.round(kb / 1024);
}

/** One kB figure of /proc/<pid>/status; undefined without /proc or once the process is gone. */
function statusKb(pid: number | 'self', field: 'VmRSS' | 'VmHWM'): number | undefined {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}
