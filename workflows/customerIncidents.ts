import { condition } from '@temporalio/workflow';
import type { PublicIncidentUpdate } from '../domain/rolloutStatus';
import type { CustomerNotifier } from './customerNotifier';
import type { CustomerTracker } from './customerTracker';
import { boundedWait, isoAt, isoNow } from './time';

/**
 * What affected customers hear while something is wrong: a first notice, a follow-up every
 * `every` until it is over, and a resolution. Only the affected customers are told; the public
 * portal shows the same words without saying who.
 */
export class CustomerIncidents {
  private open: { affected: string[] } | null = null;

  constructor(
    private readonly status: CustomerTracker,
    private readonly notifier: CustomerNotifier,
    private readonly every: number,
    private readonly background: (work: Promise<void>) => void,
  ) {}

  get active(): boolean {
    return this.open !== null;
  }

  /** Opens the incident for these customers, or widens an open one to newly affected customers. */
  report(affected: string[], state: PublicIncidentUpdate['state'], impact: string, action: string): void {
    const already = new Set(this.open?.affected ?? []);
    const newlyAffected = affected.filter((id) => !already.has(id));
    const isNew = new Set(newlyAffected);
    const first = this.open === null;
    if (!this.open) this.open = { affected: [] };
    this.open.affected.push(...newlyAffected);
    const nextUpdateAt = isoAt(Date.now() + this.every);
    this.status.publicIncidentPosted({ at: isoNow(), state, message: `${impact} ${action}`, affected: [...this.open.affected], nextUpdateAt });
    for (const id of this.open.affected) {
      const kind = isNew.has(id) ? 'incident' : 'incident-update';
      this.notifier.send(id, kind, 'incident', { impact, action, nextUpdateAt });
    }
    if (first) this.background(this.followUps(impact));
  }

  resolve(message: string): void {
    if (!this.open) return;
    const { affected } = this.open;
    this.open = null;
    this.status.publicIncidentPosted({ at: isoNow(), state: 'resolved', message, affected, nextUpdateAt: null });
    for (const id of affected) this.notifier.send(id, 'incident-resolved', 'incident', { impact: message, action: 'No further action is needed on your side.' });
  }

  /**
   * Ends the automated updates without calling it resolved: the rollback could not confirm every
   * system, so people take over. Publicly "monitoring"; affected customers get an update saying so.
   */
  handOver(message: string, action: string): void {
    if (!this.open) return;
    const { affected } = this.open;
    this.open = null;
    this.status.publicIncidentPosted({ at: isoNow(), state: 'monitoring', message: `${message} ${action}`, affected, nextUpdateAt: null });
    for (const id of affected) this.notifier.send(id, 'incident-update', 'incident', { impact: message, action });
  }

  /** Affected customers hear from us on schedule even when nothing new happened: silence worries people. */
  private async followUps(impact: string): Promise<void> {
    for (;;) {
      const over = await condition(() => this.open === null, boundedWait(this.every));
      if (over || !this.open) return;
      const nextUpdateAt = isoAt(Date.now() + this.every);
      const action = 'We are still working on it.';
      this.status.publicIncidentPosted({ at: isoNow(), state: this.status.publicIncidents.at(-1)?.state ?? 'investigating', message: `${impact} ${action}`, affected: [...this.open.affected], nextUpdateAt });
      for (const id of this.open.affected) this.notifier.send(id, 'incident-update', 'incident', { impact, action, nextUpdateAt });
    }
  }
}
