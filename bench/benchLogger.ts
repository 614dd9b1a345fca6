import { formatWithOptions } from 'node:util';
import { DefaultLogger, type LogEntry } from '@temporalio/worker';

/** Failures the bench causes on purpose and expects Temporal to retry: one line each, not a stack trace. */
const INJECTED = new Set(['SlackRateLimited']);

const format = formatWithOptions.bind(undefined, { colors: Boolean(process.stderr.isTTY && process.stderr.hasColors?.()) });

/** One stderr line per entry as the SDK's default logger writes it, but an expected retry as a short line. */
function logToStderr(entry: LogEntry): void {
  const { level, timestampNanos, message, meta } = entry;
  const at = new Date(Number(timestampNanos / 1_000_000n)).toISOString();
  const error = meta?.error as { type?: unknown; message?: unknown } | undefined;
  if (message === 'Activity failed' && typeof error?.type === 'string' && INJECTED.has(error.type)) {
    process.stderr.write(`${at} [${level}] ${message} (injected, Temporal retries it): ${String(meta?.activityType)} attempt ${String(meta?.attempt)} of ${String(meta?.workflowId)}: ${String(error.message)}\n`);
    return;
  }
  process.stderr.write(meta === undefined ? `${at} [${level}] ${message}\n` : `${at} [${level}] ${message} ${format(meta)}\n`);
}

/** The bench's Temporal logger: warnings and errors to stderr (stdout holds only the JSON). */
export function benchLogger(): DefaultLogger {
  return new DefaultLogger('WARN', logToStderr);
}
