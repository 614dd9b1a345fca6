import {
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  WorkflowNotFoundError,
  type Client,
  type ScheduleDescription,
  type ScheduleHandle,
  type ScheduleOptionsStartWorkflowAction,
  type ScheduleSummary,
} from '@temporalio/client';
import { trainRunWorkflowId, trainScheduleId, trainSchedulePrefix } from '../contract/ids';
import type { TrainRunResult } from '../contract/train';
import { WorkflowType, type TrainRunWorkflow } from '../contract/workflowTypes';
import { NotFoundError } from './errors';
import { UserError } from './exitCodes';
import type { LoadedTrain } from './trainFile';
import { catchupWindowOf, describedTimesSpec, specKey, timesSpecOf, toScheduleSpec } from './trainScheduleSpec';

export type ApplyResult = 'created' | 'updated' | 'unchanged';

/** One recent run of a train, with how it ended when it has. */
export interface TrainRunView {
  scheduledAt: string;
  workflowId: string;
  status: string;
  result?: TrainRunResult;
}

/** The server's reason when it refused a request as invalid (gRPC INVALID_ARGUMENT), through any wrapping. */
function invalidArgument(err: unknown, depth = 0): string | undefined {
  const e = err as { code?: unknown; details?: unknown; message?: unknown; cause?: unknown } | undefined;
  if (!e || typeof e !== 'object' || depth > 3) return undefined;
  if (e.code === 3) return String(e.details || e.message);
  return invalidArgument(e.cause, depth + 1);
}

/** A schedule the server refuses (a zone its time-zone files lack) is bad input, not a crash. */
async function refusedAsBadInput(write: () => Promise<unknown>): Promise<void> {
  try {
    await write();
  } catch (err) {
    // The schedule client turns the server's INVALID_ARGUMENT into a TypeError with its reason.
    const reason = err instanceof TypeError ? err.message : invalidArgument(err);
    if (reason !== undefined) throw new UserError(`the Temporal server refused the train's schedule: ${reason}`);
    throw err;
  }
}

/** JSON with keys in one order, so that equal values compare equal whatever order they were built in. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b))) : v);
}

/**
 * Release trains as Temporal Schedules, one per train and task queue. Every run is a
 * trainRunWorkflow with the documents snapshotted at apply. Overlap SKIP: a run due while the
 * previous one (its whole rollout) still runs is skipped, and Temporal counts the skips.
 * Throws NotFoundError for a train with no schedule; never exits.
 */
export class TrainClient {
  constructor(readonly client: Client, readonly taskQueue: string) {}

  scheduleId(train: string): string {
    return trainScheduleId(this.taskQueue, train);
  }

  private action(loaded: LoadedTrain): ScheduleOptionsStartWorkflowAction<TrainRunWorkflow> {
    return {
      type: 'startWorkflow',
      workflowType: WorkflowType.trainRun,
      taskQueue: this.taskQueue,
      workflowId: trainRunWorkflowId(this.taskQueue, loaded.train.name),
      args: [loaded.runInput],
    };
  }

  private policies(loaded: LoadedTrain) {
    return { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: catchupWindowOf(loaded.train), pauseOnFailure: false };
  }

  /** Everything apply writes, in the one comparable form; the described schedule is read into the same form. */
  private wantedKey(loaded: LoadedTrain): string {
    const action = this.action(loaded);
    return canonical({
      spec: specKey(timesSpecOf(loaded.train), loaded.train.jitter ?? 0),
      action: { workflowType: action.workflowType, taskQueue: action.taskQueue, workflowId: action.workflowId, args: action.args },
      policies: this.policies(loaded),
    });
  }

  private describedKey(d: ScheduleDescription): string {
    return canonical({
      spec: specKey(describedTimesSpec(d.spec), d.spec.jitter ?? 0),
      action: { workflowType: d.action.workflowType, taskQueue: d.action.taskQueue, workflowId: d.action.workflowId, args: d.action.args },
      policies: { overlap: d.policies.overlap, catchupWindow: d.policies.catchupWindow, pauseOnFailure: d.policies.pauseOnFailure },
    });
  }

  /**
   * Creates the schedule, or updates it when what is there differs from what the file says;
   * "unchanged" writes nothing. Paused or not is left as it is: that is `pause`/`unpause`'s.
   */
  async apply(loaded: LoadedTrain): Promise<ApplyResult> {
    const handle = this.client.schedule.getHandle(this.scheduleId(loaded.train.name));
    let existing: ScheduleDescription | null;
    try {
      existing = await handle.describe();
    } catch (err) {
      if (!(err instanceof ScheduleNotFoundError)) throw err;
      existing = null;
    }
    if (!existing) {
      await refusedAsBadInput(() => this.client.schedule.create({
        scheduleId: this.scheduleId(loaded.train.name),
        spec: toScheduleSpec(loaded.train),
        action: this.action(loaded),
        policies: this.policies(loaded),
        memo: { train: loaded.train.name },
      }));
      return 'created';
    }
    if (this.describedKey(existing) === this.wantedKey(loaded)) return 'unchanged';
    await refusedAsBadInput(() => handle.update((previous) => ({
      spec: toScheduleSpec(loaded.train),
      action: this.action(loaded),
      policies: this.policies(loaded),
      state: { paused: previous.state.paused, ...(previous.state.note ? { note: previous.state.note } : {}) },
    })));
    return 'updated';
  }

  /** The schedule's handle, once it is known to exist. */
  private async existing(train: string): Promise<{ handle: ScheduleHandle; description: ScheduleDescription }> {
    const handle = this.client.schedule.getHandle(this.scheduleId(train));
    try {
      return { handle, description: await handle.describe() };
    } catch (err) {
      if (err instanceof ScheduleNotFoundError) throw new NotFoundError('train', train);
      throw err;
    }
  }

  describe(train: string): Promise<ScheduleDescription> {
    return this.existing(train).then((e) => e.description);
  }

  /** The trains of this task queue, by name. */
  async list(): Promise<{ name: string; summary: ScheduleSummary }[]> {
    const prefix = trainSchedulePrefix(this.taskQueue);
    const trains: { name: string; summary: ScheduleSummary }[] = [];
    for await (const summary of this.client.schedule.list()) {
      if (summary.scheduleId.startsWith(prefix)) trains.push({ name: summary.scheduleId.slice(prefix.length), summary });
    }
    return trains.sort((a, b) => a.name.localeCompare(b.name));
  }

  async pause(train: string, note: string): Promise<void> {
    await (await this.existing(train)).handle.pause(note);
  }

  async unpause(train: string, note: string): Promise<void> {
    await (await this.existing(train)).handle.unpause(note);
  }

  /**
   * Runs the train now, skipped (and counted) while a run is still going. SKIP is passed on
   * purpose: the SDK's trigger() without a policy is ALLOW_ALL, which would start a second run.
   */
  async trigger(train: string): Promise<void> {
    await (await this.existing(train)).handle.trigger(ScheduleOverlapPolicy.SKIP);
  }

  /** Takes the runs the schedule would have taken between the two times, now, under its overlap policy. */
  async backfill(train: string, start: Date, end: Date): Promise<void> {
    await (await this.existing(train)).handle.backfill({ start, end, overlap: ScheduleOverlapPolicy.SKIP });
  }

  async delete(train: string): Promise<void> {
    await (await this.existing(train)).handle.delete();
  }

  /** The schedule's recent runs (newest last), each with its workflow's status and, once ended, its result. */
  async recentRuns(description: ScheduleDescription): Promise<TrainRunView[]> {
    return Promise.all(description.info.recentActions.map(async (action) => {
      const workflowId = action.action.workflow.workflowId;
      const handle = this.client.workflow.getHandle<TrainRunWorkflow>(workflowId, action.action.workflow.firstExecutionRunId);
      try {
        const status = (await handle.describe()).status.name;
        const result = status === 'COMPLETED' ? await handle.result() : undefined;
        return { scheduledAt: action.scheduledAt.toISOString(), workflowId, status, ...(result ? { result } : {}) };
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return { scheduledAt: action.scheduledAt.toISOString(), workflowId, status: 'NOT_FOUND' };
        throw err;
      }
    }));
  }
}
