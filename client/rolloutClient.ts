import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
  type WorkflowExecutionDescription,
  type WorkflowHandle,
} from '@temporalio/client';
import type { RolloutInput } from '../domain/rolloutInput';
import type { DeferArgs } from '../domain/deferral';
import type { RolloutStatus } from '../domain/rolloutStatus';
import type { CommandArgs, StopArgs } from '../contract/commandArgs';
import { rolloutWorkflowId, stepWorkflowId } from '../contract/ids';
import { customerViewQuery, deferUpdate, rolloutCommands, statusQuery, type RolloutCommand } from '../contract/rollout';
import { stepControlSchema, stepControlSignal, stepProgressQuery, type StepControl, type StepProgress } from '../contract/step';
import { WorkflowType, type RolloutWorkflow } from '../contract/workflowTypes';
import type { LeaseGrant } from '../contract/lease';
import { AlreadyExistsError, NotFoundError, RejectedError } from './errors';
import { describeFreeze } from '../contract/freeze';
import { fleetSchema } from '../domain/fleet';
import { ChangeControlClient } from './changeControlClient';
import { FleetLeaseClient, leasedTargets } from './fleetLeaseClient';
import { readInterruption } from './rolloutExecution';
import { startSearchAttributes } from '../contract/searchAttributes';
import { notSetUpOr } from './notSetUp';
import type { Interruption } from '../domain/rolloutStatus';

/** A rollout ended behind Rampart's back, as its execution says. */
export interface EndedOutside {
  interruption: Omit<Interruption, 'lastState'>;
  runId: string;
  startedAt: string;
}

export type RolloutHandle = WorkflowHandle<RolloutWorkflow>;

/** How long a start waits for change control to say whether it may start (quarantine, stopped line); the rollout's planning asks again. */
const CHANGE_CONTROL_QUERY_MS = 3000;
/** How long a start's break-glass lets the rollout past freezes unless --for says otherwise. */
export const DEFAULT_FREEZE_OVERRIDE_MS = 4 * 60 * 60 * 1000;
type CommandArgsOf<C extends RolloutCommand> = C extends 'stop' ? StopArgs : CommandArgs;

/**
 * Everything a front end does to rollouts, by the contract's definitions: start, command, defer,
 * read. Throws NotFoundError, RejectedError and AlreadyExistsError; never exits.
 */
export class RolloutClient {
  readonly leases: FleetLeaseClient;

  constructor(readonly client: Client, readonly taskQueue: string) {
    this.leases = new FleetLeaseClient(client, taskQueue);
  }

  async start(input: RolloutInput, options: { taskQueue?: string; queue?: boolean } = {}): Promise<RolloutHandle> {
    return (await this.startLeased(input, options)).handle;
  }

  /**
   * Reserves the fleet's targets for the rollout, then starts it: LeaseHeldError (nothing started)
   * when another running rollout has some of them, unless `queue`, which starts it waiting in line
   * (`lease.state` "queued"). A start that fails after the reservation gives it back.
   */
  async startLeased(input: RolloutInput, options: { taskQueue?: string; queue?: boolean; freezeOverrideMs?: number } = {}): Promise<{ handle: RolloutHandle; lease: LeaseGrant | null }> {
    const taskQueue = options.taskQueue ?? this.taskQueue;
    const leased = leasedTargets(input.fleet);
    // An id already taken is refused before anything is reserved under it.
    if (await this.describe(input.rolloutId).then(() => true, () => false)) throw new AlreadyExistsError('rollout', input.rolloutId);
    await this.passChangeControl(input, taskQueue, options.freezeOverrideMs ?? DEFAULT_FREEZE_OVERRIDE_MS);
    const lease = leased
      ? await this.leases.reserve({ ...leased, rolloutId: input.rolloutId, by: input.startedBy, queue: options.queue ?? false, taskQueue })
      : null;
    try {
      const handle = await this.client.workflow.start<RolloutWorkflow>(WorkflowType.rollout, {
        taskQueue,
        workflowId: rolloutWorkflowId(input.rolloutId),
        args: [input],
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        // Listed by playbook and version at once, even before a worker picks it up.
        typedSearchAttributes: startSearchAttributes(input),
      });
      return { handle, lease };
    } catch (err) {
      if (leased) await this.leases.cancel({ fleet: leased.fleet, rolloutId: input.rolloutId, taskQueue }).catch(() => undefined);
      if (err instanceof WorkflowExecutionAlreadyStartedError) throw new AlreadyExistsError('rollout', input.rolloutId);
      throw await notSetUpOr(this.client, err);
    }
  }

  /**
   * Refuses a start that change control bars (RejectedError): a quarantined version, the line
   * stopped, a freeze in force for the fleet. A break-glass that names the freezes (gateStart)
   * goes past them: it is granted in change control for this rollout, for `overrideMs`, before
   * the rollout exists, so its first step finds it.
   */
  private async passChangeControl(input: RolloutInput, taskQueue: string, overrideMs: number): Promise<void> {
    const control = new ChangeControlClient(this.client, taskQueue);
    const fleet = fleetSchema.safeParse(input.fleet);
    const { reason, frozen } = await control.startBar(input.release.version, fleet.success ? fleet.data.name : '', CHANGE_CONTROL_QUERY_MS);
    if (reason) throw new RejectedError('start', reason);
    if (frozen.length === 0) return;
    const glass = input.breakGlass;
    const overridden = frozen.every((f) => glass?.overrides.includes(describeFreeze(f)));
    if (!glass || !overridden) {
      throw new RejectedError('start', `${frozen.map(describeFreeze).join('; ')}; wait until it ends, or start with --break-glass --reason ... --approver ...`);
    }
    await control.overrideFreeze({ rolloutId: input.rolloutId, by: glass.requestedBy, approver: glass.approver, reason: glass.reason, lastsMs: overrideMs });
  }

  /** Starts a rollout and waits for its final status. */
  async run(input: RolloutInput, options: { taskQueue?: string } = {}): Promise<RolloutStatus> {
    return (await this.start(input, options)).result();
  }

  handle(rolloutId: string): RolloutHandle {
    return this.client.workflow.getHandle<RolloutWorkflow>(rolloutWorkflowId(rolloutId));
  }

  /** Whether the rollout is still running; NotFoundError when there is no such rollout. */
  async describe(rolloutId: string): Promise<{ running: boolean; taskQueue: string }> {
    const description = await this.execution(rolloutId);
    return { running: description.status.name === 'RUNNING', taskQueue: description.taskQueue };
  }

  /** The rollout's execution as Temporal describes it; NotFoundError when there is no such rollout. */
  async execution(rolloutId: string): Promise<WorkflowExecutionDescription> {
    try {
      const description = await this.handle(rolloutId).describe();
      if (description.type !== WorkflowType.rollout) throw new NotFoundError('rollout', rolloutId);
      return description;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new NotFoundError('rollout', rolloutId);
      throw err;
    }
  }

  /**
   * How the rollout ended when its own code did not end it (terminated, cancelled, timed out,
   * failed), with who and why where Temporal recorded them; null while it runs or when it ended itself.
   */
  async interruption(rolloutId: string): Promise<EndedOutside | null> {
    const description = await this.execution(rolloutId);
    const interruption = await readInterruption(this.client, description);
    return interruption ? { interruption, runId: description.runId, startedAt: description.startTime.toISOString() } : null;
  }

  /** The rollout's own status, as its workflow answers it (no live step progress folded in). */
  async status(rolloutId: string): Promise<RolloutStatus> {
    try {
      return await this.handle(rolloutId).query(statusQuery);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new NotFoundError('rollout', rolloutId);
      throw err;
    }
  }

  /** The status narrowed to one customer (their record, their part of each incident update): small at any size. */
  async customerView(rolloutId: string, customerId: string): Promise<RolloutStatus> {
    try {
      return await this.handle(rolloutId).query(customerViewQuery, customerId);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new NotFoundError('rollout', rolloutId);
      throw err;
    }
  }

  async stepProgress(rolloutId: string, stepName: string): Promise<StepProgress> {
    return this.client.workflow.getHandle(stepWorkflowId(rolloutId, stepName)).query(stepProgressQuery);
  }

  /** Forwards a whole control state to one step child (what the parent does; used by tests of stale signals). */
  async signalStep(rolloutId: string, stepName: string, control: StepControl): Promise<void> {
    // The step drops a malformed control (contract/messageArgs.ts); refuse it here, where the caller hears why.
    await this.client.workflow.getHandle(stepWorkflowId(rolloutId, stepName)).signal(stepControlSignal, stepControlSchema.parse(control));
  }

  /**
   * Sends one command as its Update and returns the rollout's answer. An ended rollout and a
   * validator's refusal are RejectedError with the reason; an unknown one is NotFoundError.
   */
  async command<C extends RolloutCommand>(rolloutId: string, command: C, args: CommandArgsOf<C>): Promise<string> {
    const { running } = await this.describe(rolloutId);
    if (!running) throw new RejectedError(command, await this.endedReason(rolloutId));
    return this.update(command, () => this.handle(rolloutId).executeUpdate(rolloutCommands[command], { args: [args as StopArgs] }));
  }

  /**
   * The stop sent straight as its Update, for a rollout known to run (stop the line sends one to
   * every running rollout at once; a describe first would cost each a round trip). Like `stop`, it
   * returns once the running step has the stop: answering at the Update's acceptance instead let
   * steps schedule 6 installs after the command returned (bench, stopTheLine). A refusal or an
   * ended rollout is RejectedError, as with `command`.
   */
  async stopRunning(rolloutId: string, args: StopArgs): Promise<string> {
    try {
      return await this.update('stop', () => this.handle(rolloutId).executeUpdate(rolloutCommands.stop, { args: [args] }));
    } catch (err) {
      if (err instanceof RejectedError) throw err;
      const { running } = await this.describe(rolloutId);
      if (!running) throw new RejectedError('stop', await this.endedReason(rolloutId));
      throw err;
    }
  }

  pause(rolloutId: string, args: CommandArgs): Promise<string> { return this.command(rolloutId, 'pause', args); }
  resume(rolloutId: string, args: CommandArgs): Promise<string> { return this.command(rolloutId, 'resume', args); }
  approve(rolloutId: string, args: CommandArgs): Promise<string> { return this.command(rolloutId, 'approve', args); }
  promote(rolloutId: string, args: CommandArgs): Promise<string> { return this.command(rolloutId, 'promote', args); }
  stop(rolloutId: string, args: StopArgs): Promise<string> { return this.command(rolloutId, 'stop', args); }
  rollback(rolloutId: string, args: CommandArgs): Promise<string> { return this.command(rolloutId, 'rollback', args); }

  /** A customer's deferral; the workflow's validator decides whether their allowance permits it. */
  async defer(rolloutId: string, args: DeferArgs): Promise<string> {
    const { running } = await this.describe(rolloutId);
    if (!running) throw new RejectedError('defer', await this.endedReason(rolloutId, false));
    return this.update('defer', () => this.handle(rolloutId).executeUpdate(deferUpdate, { args: [args] }));
  }

  private async update(command: string, send: () => Promise<string>): Promise<string> {
    try {
      return await send();
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError) throw new RejectedError(command, err.cause?.message ?? err.message);
      throw err;
    }
  }

  /** Why an ended rollout takes no command; `operator`: may name who ended it outside Rampart and how to recover (never to a customer). */
  private async endedReason(rolloutId: string, operator = true): Promise<string> {
    const ended = await this.interruption(rolloutId).catch(() => null);
    if (ended && !operator) return `rollout ${rolloutId} has ended; it takes no more commands`;
    if (ended) {
      const { how, at, by, reason } = ended.interruption;
      return `rollout ${rolloutId} was ${how.replace('_', ' ')} outside Rampart at ${at}${by ? ` by ${by}` : ''}${reason ? ` (${reason})` : ''}; it takes no more commands. To roll back what it changed, run: rampart rollout recover ${rolloutId} --reason "..."`;
    }
    const status = await this.status(rolloutId).catch(() => null);
    const state = status ? `${status.state}${status.outcome ? ` (${status.outcome.reason})` : ''}` : 'finished';
    return `rollout ${rolloutId} is ${state}; it takes no more commands`;
  }
}
