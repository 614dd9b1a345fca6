import type { CommandArgs } from '../contract/commandArgs';
import type { Playbook } from '../domain/playbook';
import { withExtraStartApprovals } from '../domain/velocity';
import type { RolloutTracker } from './rolloutTracker';

type Rule = Playbook['approvals'][number];

/** Who may approve the step the rollout is waiting at, and the record of who did. */
export class ApprovalGate {
  private rule: Rule | null = null;
  private stepName = '';

  constructor(private readonly tracker: RolloutTracker, private rules: Rule[]) {}

  /** Planning found a reason for more approvals at the start (open corrective actions of earlier releases). */
  requireMoreAtStart(extra: number): void {
    this.rules = withExtraStartApprovals(this.rules, extra);
  }

  ruleFor(kind: 'start' | 'dogfood' | 'canary' | 'wave', firstWave: boolean): Rule | undefined {
    const wanted = kind === 'wave' ? (firstWave ? ['waves', 'every-wave'] : ['every-wave']) : [kind];
    return this.rules.find((r) => wanted.includes(r.step));
  }

  open(stepName: string, rule: Rule): void {
    this.rule = rule;
    this.stepName = stepName;
    this.tracker.awaitingApproval(stepName, rule);
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
    this.tracker.approved(this.stepName, args.by, args.reason);
    const missing = (this.rule?.count ?? 0) - this.given().length;
    return missing > 0 ? `approved ${this.stepName}; ${missing} more approval(s) needed` : `approved ${this.stepName}`;
  }

  satisfied(): boolean {
    return this.rule !== null && this.given().length >= this.rule.count;
  }

  /** The wait is over (approved, or a stop cut it short); `paused`: the rollout goes on paused. */
  close(paused: boolean): void {
    this.rule = null;
    this.tracker.approvalClosed(paused);
  }

  private given() {
    return this.tracker.status.approvals.filter((a) => a.step === this.stepName);
  }
}
