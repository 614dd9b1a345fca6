import { WithStartWorkflowOperation, WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import {
  changeControlBar,
  EMPTY_CHANGE_CONTROL,
  changeControlStateQuery,
  describeQuarantine,
  liftLineUpdate,
  stopTheLineUpdate,
  type LiftLineArgs,
  type LineStop,
  type StopTheLineAnswer,
  type StopTheLineArgs,
  LINE_NOT_STOPPED,
  NOT_QUARANTINED,
  quarantineUpdate,
  rolloutEndedSignal,
  unquarantineUpdate,
  type ChangeControlState,
  type QuarantineAnswer,
  type QuarantineArgs,
  type QuarantineLifted,
} from '../contract/changeControl';
import {
  addFreezeUpdate,
  freezeChangedSignal,
  overrideFreezeUpdate,
  removeFreezeUpdate,
  setFreezeCalendarUpdate,
  FREEZE_NOT_FOUND,
  freezeHoldsFleet,
  type ActiveFreeze,
  type AddFreezeArgs,
  type FreezeCalendarAnswer,
  type FreezeCalendarArgs,
  type FreezeOverride,
  type FreezeRule,
  type OverrideFreezeArgs,
  type RemoveFreezeArgs,
} from '../contract/freeze';
import { changeControlWorkflowId, rolloutWorkflowId } from '../contract/ids';
import { freezesInForce } from '../calendars/freezeCalendar';
import { WorkflowType, type ChangeControlWorkflow } from '../contract/workflowTypes';
import { RejectedError } from './errors';

import { EXIT, UserError } from './exitCodes';

export { describeQuarantine };

/** The client's side of change control (workflows/changeControl.ts) on one task queue. */
export class ChangeControlClient {
  constructor(readonly client: Client, readonly taskQueue: string) {}

  private get workflowId(): string {
    return changeControlWorkflowId(this.taskQueue);
  }

  /** The record is started by whichever change comes first. */
  private startOperation(): WithStartWorkflowOperation<ChangeControlWorkflow> {
    return new WithStartWorkflowOperation<ChangeControlWorkflow>(WorkflowType.changeControl, {
      workflowId: this.workflowId,
      taskQueue: this.taskQueue,
      args: [{ state: EMPTY_CHANGE_CONTROL }],
      workflowIdConflictPolicy: 'USE_EXISTING',
    });
  }

  /** Quarantines a version, starting the record if this task queue has none yet. */
  async quarantine(args: QuarantineArgs): Promise<QuarantineAnswer> {
    try {
      return await this.client.workflow.executeUpdateWithStart(quarantineUpdate, { args: [args], startWorkflowOperation: this.startOperation() });
    } catch (err) {
      throw refusal('quarantine', err);
    }
  }

  /** Stops the line: no rollout is admitted until it is lifted; the answer names every running rollout, to stop each. */
  async stopTheLine(args: StopTheLineArgs): Promise<StopTheLineAnswer> {
    try {
      return await this.client.workflow.executeUpdateWithStart(stopTheLineUpdate, { args: [args], startWorkflowOperation: this.startOperation() });
    } catch (err) {
      throw refusal('freeze now', err);
    }
  }

  /** Lets rollouts start again; resumes nothing. */
  async liftLine(args: LiftLineArgs): Promise<LineStop & { liftedBy: string; liftedAt: string; liftReason: string }> {
    try {
      return await this.client.workflow.getHandle<ChangeControlWorkflow>(this.workflowId).executeUpdate(liftLineUpdate, { args: [args] });
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new UserError('the line is not stopped', EXIT.notFound);
      throw refusal('freeze lift', err);
    }
  }

  /** Replaces the freezes that came from the calendar file; those added by hand stay. */
  async applyFreezeCalendar(args: FreezeCalendarArgs): Promise<FreezeCalendarAnswer> {
    return this.change('freeze apply', () => this.client.workflow.executeUpdateWithStart(setFreezeCalendarUpdate, { args: [args], startWorkflowOperation: this.startOperation() }));
  }

  async addFreeze(args: AddFreezeArgs): Promise<FreezeRule> {
    return this.change('freeze add', () => this.client.workflow.executeUpdateWithStart(addFreezeUpdate, { args: [args], startWorkflowOperation: this.startOperation() }));
  }

  async removeFreeze(args: RemoveFreezeArgs): Promise<FreezeRule> {
    try {
      return await this.change('freeze remove', () => this.client.workflow.getHandle<ChangeControlWorkflow>(this.workflowId).executeUpdate(removeFreezeUpdate, { args: [args] }));
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new UserError(`no freeze named "${args.name}"`, EXIT.notFound);
      throw err;
    }
  }

  /** A break-glass past every freeze for one rollout, for a bounded time; refused when the approver is the requester. */
  async overrideFreeze(args: OverrideFreezeArgs): Promise<FreezeOverride> {
    return this.change('freeze override', () => this.client.workflow.executeUpdateWithStart(overrideFreezeUpdate, { args: [args], startWorkflowOperation: this.startOperation() }));
  }

  /**
   * Tells rollouts waiting at a freeze to look again now (a freeze removed, a break-glass granted);
   * best effort: a rollout not told looks again within the hour by itself.
   */
  async wakeFrozen(rolloutIds: readonly string[]): Promise<void> {
    await Promise.all(rolloutIds.map((id) => this.client.workflow.getHandle(rolloutWorkflowId(id)).signal(freezeChangedSignal).catch(() => undefined)));
  }

  private async change<T>(command: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (err) {
      throw refusal(command, err);
    }
  }

  /** Rollouts that ended without saying so (terminated, ...) no longer count as running. */
  async forget(rolloutIds: readonly string[]): Promise<void> {
    const handle = this.client.workflow.getHandle<ChangeControlWorkflow>(this.workflowId);
    await Promise.all(rolloutIds.map((rolloutId) => handle.signal(rolloutEndedSignal, { rolloutId })));
  }

  /** Lifts a quarantine: refused for the person who quarantined it, and for a version not quarantined. */
  async unquarantine(args: QuarantineArgs): Promise<QuarantineLifted> {
    try {
      return await this.client.workflow.getHandle<ChangeControlWorkflow>(this.workflowId).executeUpdate(unquarantineUpdate, { args: [args] });
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw notQuarantined(args.version);
      throw refusal('unquarantine', err);
    }
  }

  /**
   * What is quarantined now; nothing when no version was ever quarantined on this task queue. A
   * query needs a worker: with `deadlineMs`, no answer by then is null (unknown), not a hang.
   */
  async state(deadlineMs?: number): Promise<ChangeControlState>;
  async state(deadlineMs: number): Promise<ChangeControlState | null>;
  async state(deadlineMs?: number): Promise<ChangeControlState | null> {
    const read = () => this.client.workflow.getHandle<ChangeControlWorkflow>(this.workflowId).query(changeControlStateQuery);
    try {
      return deadlineMs === undefined ? await read() : await this.client.withDeadline(Date.now() + deadlineMs, read);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return EMPTY_CHANGE_CONTROL;
      if (deadlineMs !== undefined) return null;
      throw err;
    }
  }

  /**
   * What stands in the way of starting a rollout of `version` on `fleet` now: why it is barred
   * (quarantined, or the line stopped), or null; and the freezes in force that hold the whole
   * fleet. Nothing when no worker answered within `deadlineMs`: the rollout asks again itself
   * (its planning for quarantines, each step for freezes).
   */
  async startBar(version: string, fleet: string, deadlineMs: number, now = new Date()): Promise<{ reason: string | null; frozen: ActiveFreeze[] }> {
    const state = await this.state(deadlineMs);
    if (!state) return { reason: null, frozen: [] };
    const frozen = freezesInForce(state.freezes ?? [], fleet, now).filter((f) => freezeHoldsFleet(f.scope, fleet));
    const bar = changeControlBar(state, version);
    if (!bar?.quarantine) return { reason: bar?.reason ?? null, frozen };
    return { reason: `${bar.reason}; someone other than ${bar.quarantine.by} may lift it with "rampart release unquarantine ${version} --reason ..."`, frozen };
  }
}

function notQuarantined(version: string): UserError {
  return new UserError(`version ${version} is not quarantined`, EXIT.notFound);
}

/** An Update the record refused: nothing to lift is exit 4, any other refusal exit 3. */
function refusal(command: string, err: unknown): unknown {
  if (!(err instanceof WorkflowUpdateFailedError)) return err;
  const cause = err.cause as (Error & { type?: string }) | undefined;
  if (cause?.type === NOT_QUARANTINED || cause?.type === LINE_NOT_STOPPED || cause?.type === FREEZE_NOT_FOUND) return new UserError(cause.message, EXIT.notFound);
  return new RejectedError(command, cause?.message ?? err.message);
}
