import {
  getExternalWorkflowHandle,
  ParentClosePolicy,
  patched,
  sleep,
  proxyActivities,
  startChild,
  workflowInfo,
  WorkflowIdReusePolicy,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { RampartActivities } from '../activities';
import { fleetLeaseWorkflowId, rolloutWorkflowId, trainRolloutId } from '../contract/ids';
import { describeFreeze } from '../contract/freeze';
import { leaseReleaseSignal } from '../contract/lease';
import { trainStarter, type TrainRunInput, type TrainRunResult } from '../contract/train';
import { WorkflowType, type RolloutWorkflow } from '../contract/workflowTypes';
import { fleetSchema } from '../domain/fleet';
import type { RolloutInput } from '../domain/rolloutInput';
import { isDrill } from './drill';

const acts = proxyActivities<RampartActivities>({
  // Reading the channel hashes every artifact in it.
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 10 },
});

/** Deferrals one run makes at most (freeze after freeze) before it gives up and is skipped. */
const MAX_DEFERRALS = 20;

/**
 * A run that falls in a freeze holding the train's fleet is skipped, or deferred to the freeze's
 * end and looked at again, as the train says (`duringFreeze`). Which freezes are in force, and
 * until when, an activity says: no time zone here. Runs from before freezes never ask (patched).
 */
async function waitOutFreezes(input: TrainRunInput, fleet: string): Promise<TrainRunResult | null> {
  if (!patched('train-freeze')) return null;
  for (let deferrals = 0; ; deferrals++) {
    const frozen = await acts.fleetFreezes({ fleet });
    if (frozen.length === 0) return null;
    const what = frozen.map(describeFreeze).join('; ');
    if ((input.duringFreeze ?? 'skip') === 'skip') return { outcome: 'skipped: frozen', reason: `${what}: this run is skipped (duringFreeze: skip)`, skipped: [] };
    if (deferrals >= MAX_DEFERRALS) return { outcome: 'skipped: frozen', reason: `${what}: still frozen after ${MAX_DEFERRALS} deferrals; this run is skipped`, skipped: [] };
    const until = frozen.map((f) => Date.parse(f.until)).reduce((a, b) => Math.max(a, b));
    await sleep(Math.max(1000, until - Date.now() + 1000));
  }
}

/**
 * One run of a release train, started by its schedule. It reads what the fleet runs, picks the
 * newest verified artifact of the channel it does not run yet, reserves the fleet's lease as
 * `rollout start` does, starts the rollout (train-<train>-<version>, started by
 * schedule:<train>) and waits until it ends, so that the schedule's SKIP overlap policy keeps a
 * second run out for the whole rollout. With nothing new it ends "nothing to release" and
 * sends nothing. No clock, no time zone here: the schedule decided when.
 */
export async function trainRunWorkflow(input: TrainRunInput): Promise<TrainRunResult> {
  const fleet = fleetSchema.safeParse(input.fleet);
  if (!fleet.success) return { outcome: 'not started', reason: 'the fleet in the schedule does not parse; apply the train again', skipped: [] };
  const frozen = await waitOutFreezes(input, fleet.data.name);
  if (frozen) return frozen;
  const fleetVersions = await acts.readVersions(fleet.data.targets);
  const pick = await acts.pickTrainRelease({ channel: input.channel, fleetVersions });
  const { skipped } = pick;
  if (pick.kind === 'refused') return { outcome: 'not started', reason: pick.reason, skipped };
  if (pick.kind === 'nothing') return { outcome: 'nothing to release', reason: pick.reason, skipped };

  const { version } = pick.release;
  // A game day may rehearse the same build every week: each drill run is a rollout of its own.
  const drill = input.drill && isDrill(input) ? input.drill : undefined;
  const rolloutId = drill ? `drill-${input.train}-${version}-${workflowInfo().runId.slice(0, 8)}` : trainRolloutId(input.train, version);
  const before = drill ? 'not found' : (await acts.rolloutStates([rolloutWorkflowId(rolloutId)]))[rolloutWorkflowId(rolloutId)] ?? 'not found';
  if (before !== 'not found') {
    return { outcome: 'nothing to release', reason: `${version} was already started by this train as rollout ${rolloutId} (${before}); a train ships each version once`, version, rolloutId, skipped };
  }

  const startedBy = trainStarter(input.train);
  const taskQueue = workflowInfo().taskQueue;
  const lockId = fleetLeaseWorkflowId(taskQueue, fleet.data.name);
  const lease = await acts.reserveFleetLease({
    lockId,
    fleet: fleet.data.name,
    request: { rolloutId, targets: fleet.data.targets.map((t) => t.id), by: startedBy, queue: false },
  });
  if ('refused' in lease) return { outcome: 'not started', reason: `${version} not started: ${lease.refused}`, version, skipped };

  const rolloutInput: RolloutInput = {
    rolloutId,
    playbook: input.playbook,
    fleet: input.fleet,
    release: pick.release,
    startedBy,
    train: input.train,
    reason: drill
      ? `game day (train ${input.train}, scenario ${drill.scenario}): ${pick.file} from its channel`
      : `release train ${input.train}: ${pick.file}, the newest verified artifact in its channel`,
    ...(drill ? { drill } : {}),
    ...(input.escalation !== undefined ? { escalation: input.escalation } : {}),
    ...(input.customers !== undefined ? { customers: input.customers } : {}),
    ...(input.customersFile !== undefined ? { customersFile: input.customersFile } : {}),
  };
  let rollout;
  try {
    rollout = await startChild<RolloutWorkflow>(WorkflowType.rollout, {
      workflowId: rolloutWorkflowId(rolloutId),
      args: [rolloutInput],
      // The rollout outlives its run if the run is ended (or the schedule deleted): it holds targets.
      parentClosePolicy: ParentClosePolicy.ABANDON,
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    });
  } catch (err) {
    // A start that fails gives the reservation back, as RolloutClient.startLeased does.
    await getExternalWorkflowHandle(lockId).signal(leaseReleaseSignal, { rolloutId }).catch(() => undefined);
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      return { outcome: 'nothing to release', reason: `${version} was already started as rollout ${rolloutId}`, version, rolloutId, skipped };
    }
    throw err;
  }
  try {
    const status = await rollout.result();
    if (drill) return { outcome: 'drilled', reason: `drill rollout ${rolloutId} of ${version} (scenario ${drill.scenario}) ended ${status.state}`, version, rolloutId, rolloutState: status.state, skipped };
    return { outcome: 'released', reason: `rollout ${rolloutId} of ${version} ended ${status.state}`, version, rolloutId, rolloutState: status.state, skipped };
  } catch (err) {
    return { outcome: drill ? 'drilled' : 'released', reason: `rollout ${rolloutId} of ${version} failed: ${(err as Error).message}`, version, rolloutId, rolloutState: 'failed', skipped };
  }
}
