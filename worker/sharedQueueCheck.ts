import path from 'node:path';
import type { NativeConnection } from '@temporalio/worker';
import type { LedgerChoice } from './config';
import { pollersOf, type SeenPoller } from './queuePollers';
import { mayStillRun, parseIdentity } from './workerIdentity';

/**
 * The file ledger is exact for one worker process only: two workers each keeping their own JSONL
 * file would each send a retried notification the other already sent. So a worker with the file
 * ledger looks at who else polls its task queue (Temporal lists the pollers) and refuses to run
 * beside them; with RAMPART_LEDGER_URL set it never refuses (it only warns about file-ledger
 * workers it sees, which are the ones in the wrong).
 *
 * What counts as another worker: a poller other than this worker, seen within RECENT_POLL_MS (an
 * idle worker's long poll lasts up to a minute, so one seen 80 s ago may still be waiting on its
 * poll; the server forgets pollers 5 minutes after their last poll), and not a process of this
 * host that has died (a worker killed a moment ago must not block its own restart).
 */
export const RECENT_POLL_MS = 90_000;

/** A file-ledger worker looks once more this long after it started polling (see yieldingTo). */
export const RECHECK_AFTER_MS = 5_000;

export class SharedQueueRefusal extends Error {
  override readonly name = 'SharedQueueRefusal';
  constructor(
    message: string,
    readonly others: SeenPoller[],
  ) {
    super(message);
  }
}

export interface QueueCheck {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  ownIdentity: string;
  ledger: LedgerChoice;
}

/** The other live workers on the queue, as defined above. */
export async function otherWorkers(check: QueueCheck, now = Date.now): Promise<SeenPoller[]> {
  const pollers = await pollersOf(check.connection, check.namespace, check.taskQueue);
  const since = now() - RECENT_POLL_MS;
  return pollers.filter((p) => p.identity !== check.ownIdentity && p.lastSeenMs >= since && mayStillRun(p.identity));
}

/**
 * Before this worker polls: a file-ledger worker throws SharedQueueRefusal when any other worker
 * polls the queue; a shared-ledger worker returns the file-ledger workers it saw, to warn about.
 */
export async function checkBeforePolling(check: QueueCheck): Promise<SeenPoller[]> {
  const others = await otherWorkers(check);
  if (check.ledger.kind === 'file') {
    if (others.length > 0) throw refusal(check, others);
    return [];
  }
  return others.filter((p) => parseIdentity(p.identity).ledger === 'file');
}

/**
 * Two file-ledger workers started at the same moment can both pass checkBeforePolling (each looked
 * before the other's first poll). Looked at again once both poll, each sees the other; exactly
 * one must give way, whatever order they look in: a file-ledger worker yields to any shared-ledger
 * worker, and to a file-ledger (or unknown) worker whose identity sorts before its own.
 */
export async function yieldingTo(check: QueueCheck): Promise<SharedQueueRefusal | undefined> {
  const others = (await otherWorkers(check)).filter(
    (p) => parseIdentity(p.identity).ledger === 'postgres' || p.identity < check.ownIdentity,
  );
  return others.length > 0 ? refusal(check, others) : undefined;
}

function refusal(check: QueueCheck, others: SeenPoller[]): SharedQueueRefusal {
  const files = check.ledger.kind === 'file' ? ` (${path.join(check.ledger.stateDir, 'notifications.jsonl')})` : '';
  const seen = others.map((p) => `${p.identity}, last poll ${Math.max(0, Math.round((Date.now() - p.lastSeenMs) / 1000))} s ago`).join('; ');
  return new SharedQueueRefusal(
    `refusing to run: ${others.length === 1 ? 'another worker polls' : `${others.length} other workers poll`} task queue "${check.taskQueue}" (${seen}), ` +
      `and this worker keeps its exactly-once ledger in local files${files} that no other worker sees, so a retried notification could be sent twice. ` +
      'Set RAMPART_LEDGER_URL=postgres://user:password@host:5432/database on every worker of this task queue to share the ledger in PostgreSQL, or stop the other workers.',
    others,
  );
}
