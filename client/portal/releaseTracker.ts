import { WorkflowType, workflowTypeIs } from '../../contract/workflowTypes';
import { RolloutClient } from '../rolloutClient';
/**
 * The portal's one view of Temporal: a single poller shared by every page, API call and stream.
 *
 * About once a second it lists recent rollout workflows (newest first, at most `limit`, finished
 * ones only while recent), queries `status` on each running one, and keeps finished ones cached
 * after one last query, since a closed workflow's status can no longer change. Listeners hear of
 * a release only when its public projection changed (or, separately, when something only its
 * customers see changed), so a thousand open pages cost Temporal nothing extra.
 */
import type { Client } from '@temporalio/client';
import { toPublicRelease, type PublicRelease } from '../../domain/publicStatus';
import type { RolloutStatus } from '../../domain/rolloutStatus';
import { readRecovery } from '../rolloutExecution';
import { readRolloutStatus } from '../rolloutStatusView';

export interface ReleaseTrackerOptions {
  /** Only rollouts on this task queue: the worker that can answer their queries. */
  taskQueue?: string;
  intervalMs?: number;
  /** How many rollouts, newest first, the portal knows about. */
  limit?: number;
  /** Finished rollouts older than this drop off the portal. */
  recentMs?: number;
  /** Bound on one status query: a rollout with no worker must not stall the poller. */
  queryTimeoutMs?: number;
  log?: (line: string) => void;
}

export type ReleaseChange =
  /** The public projection changed: everyone may see the new one. */
  | { kind: 'release'; release: PublicRelease }
  /** Only what its customers see changed (a deferral, a notice): names the release, nothing more. */
  | { kind: 'customers'; id: string };

interface Entry {
  status: RolloutStatus;
  release: PublicRelease;
  publicJson: string;
  customersJson: string;
  /** The workflow is closed and its final status was read: never queried again. */
  final: boolean;
}

export class ReleaseTracker {
  private readonly entries = new Map<string, Entry>();
  /** Closed rollouts whose query failed (no worker?): retried no sooner than this. */
  private readonly failedAt = new Map<string, number>();
  /** Drill rollouts (game days): never published, and not queried again once known. */
  private readonly drills = new Set<string>();
  private readonly listeners = new Set<(change: ReleaseChange) => void>();
  /** The last query failure logged per rollout. */
  private readonly queryErrors = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private polling: Promise<void> | undefined;
  private lastError: string | undefined;
  private readonly intervalMs: number;
  private readonly limit: number;
  private readonly recentMs: number;
  private readonly queryTimeoutMs: number;
  private readonly log: (line: string) => void;

  constructor(private readonly client: Client, private readonly options: ReleaseTrackerOptions = {}) {
    this.intervalMs = options.intervalMs ?? 1_000;
    this.limit = options.limit ?? 50;
    this.recentMs = options.recentMs ?? 30 * 86_400_000;
    this.queryTimeoutMs = options.queryTimeoutMs ?? 5_000;
    this.log = options.log ?? (() => undefined);
  }

  /** Polls once (so the first page is not empty), then every intervalMs until stop(). */
  async start(): Promise<void> {
    await this.pollOnce();
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.polling;
  }

  subscribe(listener: (change: ReleaseChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Active releases first, then finished ones; newest first within each. */
  releases(): PublicRelease[] {
    return [...this.entries.values()]
      .map((e) => e.release)
      .sort((a, b) => Number(b.active) - Number(a.active) || b.startedAt.localeCompare(a.startedAt));
  }

  release(id: string): PublicRelease | undefined {
    return this.entries.get(id)?.release;
  }

  /** Full statuses, for customer views; never sent anywhere as they are. */
  statuses(): RolloutStatus[] {
    return [...this.entries.values()].map((e) => e.status).sort((a, b) => b.startedAt.localeCompare(a.startedAt));
  }

  /**
   * The statuses as one customer's view needs them. A rollout with too many customers to list
   * (customerSummary) is asked for that customer's part; if it cannot answer now, the cached
   * status stands, and that release shows without the customer's own record.
   */
  async statusesFor(customerId: string): Promise<RolloutStatus[]> {
    return Promise.all(this.statuses().map(async (status) => {
      if (!status.customerSummary) return status;
      try {
        return await this.client.withDeadline(Date.now() + this.queryTimeoutMs, () => new RolloutClient(this.client, this.options.taskQueue ?? '').customerView(status.rolloutId, customerId));
      } catch (err) {
        this.log(`${customerId}'s view of ${status.rolloutId} not read: ${(err as Error).message}`);
        return status;
      }
    }));
  }

  /** Whether the portal may act on this rollout (it lists it): commands on others are "unknown". */
  knows(id: string): boolean {
    return this.entries.has(id);
  }

  /** Reads one rollout again now, e.g. right after a customer's deferral, so pages need not wait a tick. */
  async refresh(id: string): Promise<void> {
    const status = await this.queryStatus(id);
    if (status) this.store(status, false);
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.polling = this.pollOnce().finally(() => {
        this.polling = undefined;
        this.schedule();
      });
    }, this.intervalMs);
  }

  private listQuery(): string {
    const since = new Date(Date.now() - this.recentMs).toISOString();
    const queue = this.options.taskQueue ? ` AND TaskQueue = '${this.options.taskQueue.replace(/'/g, "\\'")}'` : '';
    return `${workflowTypeIs(WorkflowType.rollout)}${queue} AND (ExecutionStatus = 'Running' OR CloseTime > '${since}')`;
  }

  private async pollOnce(): Promise<void> {
    const seen: { id: string; running: boolean }[] = [];
    try {
      for await (const info of this.client.workflow.list({ query: this.listQuery(), pageSize: this.limit })) {
        seen.push({ id: info.workflowId, running: info.status.name === 'RUNNING' });
        if (seen.length >= this.limit) break;
      }
      if (this.lastError) this.log('Temporal answers again');
      this.lastError = undefined;
    } catch (err) {
      const message = (err as Error).message;
      if (message !== this.lastError) this.log(`cannot list rollouts (keeping what is known): ${message}`);
      this.lastError = message;
      return;
    }
    const now = Date.now();
    await Promise.all(seen.map(async ({ id, running }) => {
      const entry = this.entries.get(id);
      if (entry?.final || this.drills.has(id)) return;
      // Ended behind Rampart's back: its own status cannot change, only its recovery can (cheap to ask).
      if (entry?.status.interrupted && !running && !(await this.recoveryChanged(entry.status))) return;
      if (!running && (this.failedAt.get(id) ?? 0) > now) return;
      const status = await this.queryStatus(id, running);
      if (status) this.store(status, !running);
      else if (!running) this.failedAt.set(id, now + 30_000);
    }));
    // Rollouts that aged out of the list leave the portal too: memory stays bounded.
    const listed = new Set(seen.map((s) => s.id));
    for (const id of this.entries.keys()) if (!listed.has(id)) this.entries.delete(id);
    for (const id of this.failedAt.keys()) if (!listed.has(id)) this.failedAt.delete(id);
    for (const id of this.drills) if (!listed.has(id)) this.drills.delete(id);
    for (const id of this.queryErrors.keys()) if (!listed.has(id)) this.queryErrors.delete(id);
  }

  /** Whether `rollout recover` began or ended since this interrupted status was read. */
  private async recoveryChanged(status: RolloutStatus): Promise<boolean> {
    const recovery = await readRecovery(this.client, status.rolloutId).catch(() => undefined);
    return recovery !== undefined && JSON.stringify(recovery?.summary ?? null) !== JSON.stringify(status.recovery ?? null);
  }

  private async queryStatus(id: string, listedRunning = false): Promise<RolloutStatus | undefined> {
    try {
      // The running step's own progress folded in (as `rollout status` shows it): targets done
      // mid-step and the bake are visible while the step runs, not only when it ends.
      return await this.client.withDeadline(Date.now() + this.queryTimeoutMs, () => readRolloutStatus(new RolloutClient(this.client, this.options.taskQueue ?? ''), id, { listedRunning }));
    } catch (err) {
      // Said once per rollout and reason, not once a second.
      const message = (err as Error).message;
      if (this.queryErrors.get(id) !== message) this.log(`status of ${id} not read: ${message}`);
      this.queryErrors.set(id, message);
      return undefined;
    }
  }

  /** Caches a status and tells listeners what, if anything, changed for the public or for customers. */
  private store(status: RolloutStatus, closed: boolean): void {
    this.queryErrors.delete(status.rolloutId);
    // A game day is no release: the public and the customers never see it.
    if (status.drill) {
      this.drills.add(status.rolloutId);
      this.entries.delete(status.rolloutId);
      return;
    }
    const release = toPublicRelease(status);
    const publicJson = JSON.stringify(release);
    // A rollout too large to list its customers changes its counts when they change.
    const customersJson = JSON.stringify([status.customers ?? [], status.customerSummary ?? null]);
    const before = this.entries.get(status.rolloutId);
    this.entries.set(status.rolloutId, {
      status,
      release,
      publicJson,
      customersJson,
      // Listed as closed before the query: what it answered can never change again, unless it
      // ended behind Rampart's back and a recovery may still roll it back.
      final: closed && (!status.interrupted || status.recovery?.endedAt != null),
    });
    if (before?.publicJson !== publicJson) this.emit({ kind: 'release', release });
    else if (before.customersJson !== customersJson) this.emit({ kind: 'customers', id: status.rolloutId });
  }

  private emit(change: ReleaseChange): void {
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch (err) {
        this.log(`a listener failed: ${(err as Error).message}`);
      }
    }
  }
}
