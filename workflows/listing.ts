import { patched, upsertMemo, upsertSearchAttributes } from '@temporalio/workflow';
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { LISTING_MEMO, listingValue, SEARCH_ATTRIBUTES, type RampartSearchAttribute } from '../contract/searchAttributes';
export { trainOf } from '../contract/searchAttributes';
import type { IncidentStatus } from '../domain/incidentStatus';
import type { Frozen, RolloutStatus } from '../domain/rolloutStatus';

export interface ListingValues {
  attributes: [RampartSearchAttribute, string | null][];
  memo: Record<string, string | null>;
}

/**
 * What a workflow shows to the lists (contract/searchAttributes.ts): its search attributes and
 * memo fields, upserted only when one changed, so a state change costs one history event and
 * anything else none. A history recorded before the lists existed has no patch marker and is
 * replayed without upserts; the decision is taken once, at the workflow's start, so a run never
 * shows some changes and not others.
 */
export class Listing {
  private readonly on = patched('search-attributes');
  private readonly shown = new Map<string, string | null>();

  show(values: ListingValues): void {
    if (!this.on) return;
    const attributes: SearchAttributeUpdatePair[] = [];
    for (const [key, raw] of values.attributes) {
      const value = raw === null ? null : listingValue(raw);
      if (this.shown.get(`a:${key.name}`) === value || (value === null && !this.shown.has(`a:${key.name}`))) continue;
      this.shown.set(`a:${key.name}`, value);
      attributes.push({ key, value });
    }
    const memo: Record<string, string | null> = {};
    for (const [name, raw] of Object.entries(values.memo)) {
      const value = raw === null ? null : listingValue(raw);
      if (this.shown.get(`m:${name}`) === value || (value === null && !this.shown.has(`m:${name}`))) continue;
      this.shown.set(`m:${name}`, value);
      memo[name] = value;
    }
    if (attributes.length > 0) upsertSearchAttributes(attributes);
    if (Object.keys(memo).length > 0) upsertMemo(memo);
  }
}

/** Why the rollout is where it is, in one line: the lists show it beside held, paused, waiting and ended rollouts. */
export function rolloutWhy(s: Frozen<RolloutStatus>): string | null {
  const last = (event: string) => [...s.timeline].reverse().find((e) => e.event === event);
  const line = (e: { by?: string; reason?: string; detail?: string } | undefined) =>
    e ? [e.by ? `by ${e.by}` : '', e.reason ?? '', e.detail ?? ''].filter(Boolean).join(': ') || null : null;
  switch (s.state) {
    case 'running':
      return null;
    case 'queued':
      return line(last('queued for lease'));
    case 'paused':
      return line(last('paused'));
    case 'awaiting_approval':
      return s.awaitingApproval ? `${s.awaitingApproval.step}: ${s.awaitingApproval.needed} approval(s) needed` : null;
    case 'stopping':
      return line(last('emergency stop'));
    case 'frozen':
      return s.frozen ? `before ${s.frozen.step}: ${s.frozen.freezes.map((f) => f.name).join(', ')} until ${s.frozen.until}` : null;
    case 'rolling_back':
      return line(last('rolling back'));
    case 'held': {
      // Held by a stop: who stopped it and why, unless a resume came after that stop.
      const at = (event: string) => s.timeline.map((e) => e.event).lastIndexOf(event);
      const stop = at('emergency stop') > at('resumed') ? line(last('emergency stop')) : null;
      return [s.outcome?.reason, stop ? `emergency stop ${stop}` : null].filter(Boolean).join('; ') || null;
    }
    default:
      return s.outcome?.reason ?? null;
  }
}

export function rolloutListing(s: Frozen<RolloutStatus>, train: string | null): ListingValues {
  return {
    attributes: [
      [SEARCH_ATTRIBUTES.rolloutState, s.state],
      [SEARCH_ATTRIBUTES.playbook, s.playbook || null],
      [SEARCH_ATTRIBUTES.version, s.version],
      [SEARCH_ATTRIBUTES.train, train],
    ],
    memo: { [LISTING_MEMO.why]: rolloutWhy(s), [LISTING_MEMO.step]: s.step },
  };
}

export function incidentListing(s: IncidentStatus): ListingValues {
  return {
    attributes: [[SEARCH_ATTRIBUTES.incidentState, s.state], [SEARCH_ATTRIBUTES.incidentSeverity, s.severity]],
    memo: { [LISTING_MEMO.summary]: s.summary, [LISTING_MEMO.paged]: s.tier?.name ?? null },
  };
}
