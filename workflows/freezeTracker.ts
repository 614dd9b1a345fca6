import { describeFreeze, type ActiveFreeze, type FreezeOverride } from '../contract/freeze';
import type { FrozenWait, RolloutStatus } from '../domain/rolloutStatus';
import type { Note } from './customerTracker';

/** A rollout's freeze waits in its status and timeline (workflows/freezeGate.ts decides them). */
export class FreezeTracker {
  constructor(private readonly s: RolloutStatus, private readonly note: Note, private readonly show: () => void) {}

  /** Waiting at a step boundary for freezes to end; noted once per distinct wait, not at each re-check. */
  frozen(wait: FrozenWait): void {
    const same = JSON.stringify(this.s.frozen ?? null) === JSON.stringify(wait);
    this.s.frozen = wait;
    if (this.s.state === 'running') this.s.state = 'frozen';
    if (same) this.show();
    else this.note('frozen', { detail: `waiting before ${wait.step}: ${wait.freezes.map(describeFreeze).join('; ')}` });
  }

  /** No freeze holds the next step any more; `noted` false: a stop or rollback ended the wait, which its own entry says. */
  thawed(noted = true): void {
    const names = this.s.frozen?.freezes.map((f) => f.name).join(', ');
    if (names === undefined) return;
    this.s.frozen = null;
    if (this.s.state === 'frozen') this.s.state = 'running';
    if (noted) this.note('freeze ended', { detail: `${names}: no freeze holds the next step now` });
    else this.show();
  }

  /** A break-glass let the rollout past freezes in force: noted once per grant. */
  overridden(grant: FreezeOverride, freezes: ActiveFreeze[]): void {
    const detail = `break-glass approved by ${grant.approver} for ${grant.requestedBy} until ${grant.until}; overrides ${freezes.map(describeFreeze).join('; ')}`;
    if (!this.s.timeline.some((e) => e.event === 'freeze overridden' && e.detail === detail)) this.note('freeze overridden', { by: grant.approver, reason: grant.reason, detail });
  }
}
