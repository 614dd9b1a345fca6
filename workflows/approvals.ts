import type { CommandArgs } from '../contract/commandArgs';
import type { Playbook } from '../domain/playbook';
import type { RolloutTracker } from './rolloutTracker';
import { isoNow } from './time';

type Rule = Playbook['approvals'][number];

/** Who may approve the step the rollout is waiting at, and the record of who did. */
export class ApprovalGate {
  private rule: Rule | null = null;
  private stepName = '';

  constructor(private readonly tracker: RolloutTracker, private readonly rules: Rule[]) {}

  ruleFor(kind: 'start' | 'dogfood' | 'canary' | 'wave', firstWave: boolean): Rule | undefined {
    const wanted = kind === 'wave' ? (firstWave ? ['waves', 'every-wave'] : ['every-wave']) : [kind];
    return this.rules.find((r) => wanted.includes(r.step));
  }

  open(stepName: string, rule: Rule): void {
    this.rule = rule;
    this.stepName = stepName;
    this.tracker.status.awaitingApproval = {
      step: stepName,
      needed: rule.count,
      approvers: rule.approvers ?? null,
      excludeStarter: rule.excludeStarter,
    };
    this.tracker.setState('awaiting_approval');
    this.tracker.note('awaiting approval', { detail: `${stepName}: ${rule.count} approval(s) needed` });
  }

  /** Why `by` may not approve now, or null when the approval would count. */
  canApprove(by: string): string | null {
    const rule = this.rule;
    if (!rule) return 'nothing is awaiting approval';
    if (rule.excludeStarter && by === this.tracker.status.startedBy) {
      return `${by} started this rollout and cannot also approve it; a second person must approve`;
    }
    if (rule.approvers && !rule.approvers.includes(by)) {
      return `${by} is not an approver for ${this.stepName} (approvers: ${rule.approvers.join(', ')})`;
    }
    if (this.given().some((a) => a.by === by)) return `${by} has already approved ${this.stepName}`;
    return null;
  }

  approve(args: CommandArgs): string {
    this.tracker.status.approvals.push({ step: this.stepName, by: args.by, at: isoNow(), reason: args.reason });
    this.tracker.note('approved', { by: args.by, reason: args.reason, detail: this.stepName });
    const missing = (this.rule?.count ?? 0) - this.given().length;
    return missing > 0 ? `approved ${this.stepName}; ${missing} more approval(s) needed` : `approved ${this.stepName}`;
  }

  satisfied(): boolean {
    return this.rule !== null && this.given().length >= this.rule.count;
  }

  close(): void {
    this.rule = null;
    this.tracker.status.awaitingApproval = null;
  }

  private given() {
    return this.tracker.status.approvals.filter((a) => a.step === this.stepName);
  }
}
