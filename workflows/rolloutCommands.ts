import { setHandler, type ChildWorkflowHandle } from '@temporalio/workflow';
import { z } from 'zod';
import type { CommandArgs } from '../contract/commandArgs';
import { messageArgSchemas as schemas } from '../contract/messageArgs';
import { FINAL_STATES, type RolloutState } from '../domain/rolloutStatus';
import {
  approveUpdate,
  pauseUpdate,
  promoteUpdate,
  resumeUpdate,
  rollbackUpdate,
  statusQuery,
  customerViewQuery,
  stopUpdate,
} from '../contract/rollout';
import { stepControlSignal, type StepControl } from '../contract/step';
import { freezeChangedSignal } from '../contract/freeze';
import { parseArg } from './messages';
import type { RolloutTracker } from './rolloutTracker';
import type { stepWorkflow } from './step';

/** What the commands have asked for; the rollout's main loop acts on it. */
export class RolloutControls {
  paused = false;
  promoted = false;
  resumeRequested = false;
  /** A freeze was removed or a break-glass granted: a rollout waiting at a freeze looks again. */
  freezeRecheck = false;
  stop: { then: 'rollback' | 'hold'; by: string } | null = null;
  rollback: { by: string } | null = null;
  activeStep: ChildWorkflowHandle<typeof stepWorkflow> | null = null;

  get halted(): boolean {
    return this.stop !== null || this.rollback !== null;
  }

  rollbackBy(): string | undefined {
    return this.rollback?.by;
  }

  stopBy(): string | undefined {
    return this.stop?.by;
  }

  forChild(): StepControl {
    return { paused: this.paused, halted: this.halted, promoted: this.promoted };
  }

  /** Tells the running step what changed; a step that has just finished no longer listens. */
  async forward(): Promise<void> {
    await this.activeStep?.signal(stepControlSignal, this.forChild()).catch(() => undefined);
  }
}

/** customerView's one argument, named so a refusal says which it is. */
const customerViewArgs = z.strictObject({ customerId: schemas.customerView });

/** A command that makes no sense now: rejected by the validator, so it never enters history. */
function reject(message: string): never {
  throw new Error(message);
}

function requireLive(tracker: RolloutTracker): RolloutState {
  const { state, rolloutId, outcome } = tracker.status;
  if (FINAL_STATES.includes(state)) reject(`rollout ${rolloutId} is ${state} (${outcome?.reason ?? 'finished'}); it takes no more commands`);
  return state;
}

/**
 * Registers pause, resume, approve, promote, stop and rollback as Updates whose synchronous
 * validators reject what makes no sense in the rollout's current state, with the reason.
 */
export function registerRolloutCommands(
  tracker: RolloutTracker,
  controls: RolloutControls,
  approvals: { canApprove: (by: string) => string | null; approve: (args: CommandArgs) => string },
): void {
  const status = tracker.status;
  setHandler(statusQuery, () => tracker.answer());
  // A Query cannot change the workflow, but a bad argument gets a clear refusal naming it, not an empty view.
  setHandler(customerViewQuery, (customerId) => tracker.customerView(parseArg('customerView', customerViewArgs, { customerId }).customerId));

  setHandler(freezeChangedSignal, () => {
    controls.freezeRecheck = true;
  });

  setHandler(pauseUpdate, async (args) => {
    controls.paused = true;
    tracker.paused(args.by, args.reason);
    await controls.forward();
    return 'paused: no new target will start until resume';
  }, {
    validator: (args) => {
      parseArg('command', schemas.pause, args);
      const state = requireLive(tracker);
      if (controls.paused) reject(`rollout is already paused by ${status.pausedBy}`);
      if (state !== 'running' && state !== 'awaiting_approval' && state !== 'frozen') reject(`cannot pause a rollout that is ${state}`);
    },
  });

  setHandler(resumeUpdate, async (args) => {
    controls.paused = false;
    controls.resumeRequested = true;
    tracker.resumed(args.by, args.reason);
    await controls.forward();
    return 'resumed';
  }, {
    validator: (args) => {
      parseArg('command', schemas.resume, args);
      const state = requireLive(tracker);
      if (state !== 'paused' && state !== 'held' && !controls.paused) reject(`cannot resume: the rollout is ${state}, not paused`);
    },
  });

  setHandler(approveUpdate, (args) => approvals.approve(args), {
    validator: (args) => {
      const { by } = parseArg('command', schemas.approve, args);
      requireLive(tracker);
      if (!status.awaitingApproval) reject('nothing is awaiting approval');
      const problem = approvals.canApprove(by);
      if (problem) reject(problem);
    },
  });

  setHandler(promoteUpdate, async (args) => {
    controls.promoted = true;
    tracker.promoted(args.by, args.reason);
    await controls.forward();
    return `promoted ${status.step}: the bake ends after the next passing health check`;
  }, {
    validator: (args) => {
      parseArg('command', schemas.promote, args);
      const state = requireLive(tracker);
      if (state !== 'running' || !controls.activeStep) reject(`cannot promote: no step is running (rollout is ${state})`);
      if (controls.promoted) reject(`${status.step} is already promoted`);
    },
  });

  setHandler(stopUpdate, async (args) => {
    const { then, by, reason } = schemas.stop.parse(args);
    controls.stop = { then, by };
    tracker.stopping(by, reason, then);
    await controls.forward();
    return `stopping: no new target will start, then ${then}`;
  }, {
    validator: (args) => {
      parseArg('command', schemas.stop, args);
      const state = requireLive(tracker);
      if (controls.halted || state === 'stopping' || state === 'rolling_back') reject(`the rollout is already ${state}`);
      if (state === 'held') reject('the rollout is already stopped and held; use rollback or resume');
    },
  });

  setHandler(rollbackUpdate, async (args) => {
    controls.rollback = { by: args.by };
    tracker.rollbackRequested(args.by, args.reason);
    await controls.forward();
    return 'rolling back every target this rollout changed, newest first';
  }, {
    validator: (args) => {
      parseArg('command', schemas.rollback, args);
      const state = requireLive(tracker);
      if (controls.rollback || state === 'rolling_back') reject('the rollout is already rolling back');
    },
  });
}
