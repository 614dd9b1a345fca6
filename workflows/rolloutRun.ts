import type { TargetChangeRecord } from '../contract/step';
import type { Fleet, Target } from '../domain/fleet';
import type { Playbook } from '../domain/playbook';
import type { PlannedStep } from '../domain/planSteps';
import type { RolloutInput } from '../domain/rolloutInput';
import type { ApprovalGate } from './approvals';
import type { CustomerRollout } from './customerRollout';
import type { RolloutControls } from './rolloutCommands';
import { isDrill } from './drill';
import { RolloutIncidents } from './rolloutIncidents';
import type { RolloutTracker } from './rolloutTracker';
import type { ReleaseReporter } from './releaseReporter';

/**
 * One rollout run once it is planned and its artifact verified: what it was given, the plan it
 * follows, and the parts every stage works with (status, commands, approvals, incidents,
 * customers), plus the one thing the stages share as they go: which targets it has changed.
 */
export class RolloutRun {
  readonly targetsById: Map<string, Target>;
  readonly incidents: RolloutIncidents;
  readonly waveCount: number;
  /** Every target this run changed, in the order it first changed them: what a rollback undoes. */
  readonly changed: TargetChangeRecord[] = [];
  /** Breached steps judged again after a resume, so far: each re-gate child gets its own id. */
  regates = 0;
  /** The playbook's degrade feature, once a breach was contained by it and the rollout went on: later targets get it off too. */
  degradedFeature: string | null = null;
  /** Writes the release report; an interim one each time the rollout is held. */
  reporter: ReleaseReporter | null = null;

  constructor(
    readonly input: RolloutInput,
    readonly playbook: Playbook,
    readonly fleet: Fleet,
    readonly steps: PlannedStep[],
    /** What each target ran before the rollout touched it: the last known good state. */
    readonly runningVersions: Record<string, string | null>,
    readonly tracker: RolloutTracker,
    readonly controls: RolloutControls,
    readonly approvals: ApprovalGate,
    /** The customer side, when a customers file came with the rollout. */
    readonly customers: CustomerRollout | null,
  ) {
    this.targetsById = new Map(fleet.targets.map((t) => [t.id, t]));
    this.incidents = new RolloutIncidents(input.rolloutId, tracker, input.breakGlass, isDrill(input));
    this.waveCount = steps.filter((s) => s.kind === 'wave').length;
  }

  changedIds(): Set<string> {
    return new Set(this.changed.map((c) => c.targetId));
  }

  changedTargetIds(): string[] {
    return this.changed.map((c) => c.targetId);
  }

  /** Each target is remembered once, with its first change (a re-run step replays its installs). */
  remember(changes: TargetChangeRecord[]): void {
    const known = this.changedIds();
    for (const change of changes) {
      if (known.has(change.targetId)) continue;
      known.add(change.targetId);
      this.changed.push(change);
    }
  }

  target(id: string): Target {
    return this.targetsById.get(id) as Target;
  }
}
