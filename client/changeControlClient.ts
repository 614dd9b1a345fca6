import { WithStartWorkflowOperation, WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import {
  changeControlStateQuery,
  describeQuarantine,
  NOT_QUARANTINED,
  quarantineUpdate,
  unquarantineUpdate,
  type ChangeControlState,
  type Quarantine,
  type QuarantineAnswer,
  type QuarantineArgs,
  type QuarantineLifted,
} from '../contract/changeControl';
import { changeControlWorkflowId } from '../contract/ids';
import { WorkflowType, type ChangeControlWorkflow } from '../contract/workflowTypes';
import { RejectedError } from './errors';

export { describeQuarantine };
import { EXIT, UserError } from './exitCodes';

const EMPTY: ChangeControlState = { quarantined: [], lifted: [] };

/** The client's side of change control (workflows/changeControl.ts) on one task queue. */
export class ChangeControlClient {
  constructor(readonly client: Client, readonly taskQueue: string) {}

  private get workflowId(): string {
    return changeControlWorkflowId(this.taskQueue);
  }

  /** Quarantines a version, starting the record if this task queue has none yet. */
  async quarantine(args: QuarantineArgs): Promise<QuarantineAnswer> {
    const startWorkflowOperation = new WithStartWorkflowOperation<ChangeControlWorkflow>(WorkflowType.changeControl, {
      workflowId: this.workflowId,
      taskQueue: this.taskQueue,
      args: [{ state: EMPTY }],
      workflowIdConflictPolicy: 'USE_EXISTING',
    });
    try {
      return await this.client.workflow.executeUpdateWithStart(quarantineUpdate, { args: [args], startWorkflowOperation });
    } catch (err) {
      throw refusal('quarantine', err);
    }
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
      if (err instanceof WorkflowNotFoundError) return EMPTY;
      if (deadlineMs !== undefined) return null;
      throw err;
    }
  }

  /** The version's quarantine; undefined when it has none, or when no worker answered within `deadlineMs` (the rollout's planning checks again). */
  async quarantineOf(version: string, deadlineMs: number): Promise<Quarantine | undefined> {
    return (await this.state(deadlineMs))?.quarantined.find((q) => q.version === version);
  }
}

function notQuarantined(version: string): UserError {
  return new UserError(`version ${version} is not quarantined`, EXIT.notFound);
}

/** An Update the record refused: not quarantined is exit 4, any other refusal exit 3. */
function refusal(command: string, err: unknown): unknown {
  if (!(err instanceof WorkflowUpdateFailedError)) return err;
  const cause = err.cause as (Error & { type?: string }) | undefined;
  if (cause?.type === NOT_QUARANTINED) return new UserError(cause.message, EXIT.notFound);
  return new RejectedError(command, cause?.message ?? err.message);
}
