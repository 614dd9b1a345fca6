import type { IncidentEvent } from '../contract/timeline';
import type { IncidentInput, Tier } from '../domain/incident';
import { openedIncidentStatus, type IncidentStatus, type NearMiss } from '../domain/incidentStatus';
import type { TimelineEntry } from '../domain/rolloutStatus';
import { formatDuration } from '../domain/duration';
import { isoNow } from './time';
import { incidentListing, Listing } from './listing';

/** The incident as on-call sees it; every change lands on the timeline with its actor. */
export class IncidentTracker {
  readonly status: IncidentStatus;
  /** What `rampart incident list` sees; every state change is noted, so each note shows it again. */
  private readonly listing = new Listing();

  constructor(input: IncidentInput, policyName: string) {
    this.status = openedIncidentStatus(input, policyName, isoNow());
    this.note('detected', { by: input.openedBy, detail: `${input.severity} from ${input.source}: ${input.summary}` });
  }

  note(event: IncidentEvent, extra: Omit<TimelineEntry, 'at' | 'event'> = {}): TimelineEntry {
    const entry: TimelineEntry = { at: isoNow(), event };
    for (const [key, value] of Object.entries(extra)) {
      if (value !== undefined) (entry as unknown as Record<string, unknown>)[key] = value;
    }
    this.status.timeline.push(entry);
    this.listing.show(incidentListing(this.status));
    return entry;
  }

  page(index: number, tier: Tier, cycle: number): void {
    this.status.tier = { index, name: tier.name, roster: tier.people.map((p) => p.name), ackDeadline: formatDuration(tier.ackDeadline) };
    this.status.cycle = cycle;
    this.note(index === 0 && cycle === 1 ? 'paged' : 'escalated', { detail: `tier ${tier.name} (${tier.people.map((p) => p.name).join(', ')}), ack within ${formatDuration(tier.ackDeadline)}` });
  }

  nearMiss(kind: NearMiss['kind'], detail: string): void {
    this.status.nearMisses.push({ at: isoNow(), kind, detail });
    this.note('near miss', { detail });
  }
}
