import type { Client } from '@temporalio/client';
import { RolloutClient } from '../../client/rolloutClient';
import { stopTheLine } from '../../client/stopRollouts';
import { ChangeControlClient } from '../../client/changeControlClient';
import { stepWorkflowId } from '../../contract/ids';
import { statusQuery } from '../../contract/rollout';
import { stepProgressQuery } from '../../contract/step';
import type { RampartActivities } from '../../activities';
import type { BenchContext } from '../harness/benchContext';
import { RAMPART_QUEUE } from '../benchStack';
import { benchPlaybook, noopFleet, TO_VERSION } from '../harness/noopRollout';
import { pollQuery } from '../harness/pollQuery';
import { ms, percentile } from '../harness/stats';

export interface StopTheLineOptions {
  rollouts: number;
  /** Targets per rollout, installed one at a time: each rollout is mid-wave when the line stops. */
  targets: number;
  pollIntervalMs: number;
}

const INSTALL: keyof RampartActivities = 'installTarget';

/** Install activities the rollout's wave scheduled after `afterMs` (ms since the epoch), from the server's history. */
async function installsScheduledAfter(client: Client, rolloutId: string, afterMs: number): Promise<number> {
  const history = await client.workflow.getHandle(stepWorkflowId(rolloutId, 'wave-1')).fetchHistory();
  return (history.events ?? []).filter((e) => {
    const type = e.activityTaskScheduledEventAttributes?.activityType?.name;
    const at = e.eventTime?.seconds ? Number(e.eventTime.seconds) * 1000 + Math.floor((e.eventTime.nanos ?? 0) / 1e6) : 0;
    return type === INSTALL && at > afterMs;
  }).length;
}

/**
 * stopTheLine: `rollouts` rollouts installing at once (noop targets, one at a time), then what
 * `rampart freeze now` does (client/stopRollouts.ts stopTheLine): how long from the command until
 * each reports 'held', and how many installs any of them scheduled after its own stop was
 * accepted (the server's history of its wave; the goal is none). The line is lifted and the
 * rollouts terminated afterwards.
 */
export async function measureStopTheLine(ctx: BenchContext, options: StopTheLineOptions) {
  const rollouts = new RolloutClient(ctx.client, RAMPART_QUEUE);
  const ids = Array.from({ length: options.rollouts }, (_, i) => `bench-line-${i + 1}`);
  const playbook = benchPlaybook('bench-line', 'direct', 'one freeze misses a rollout', {
    phases: { waves: [{ size: '100%', bakeTime: '10m', maxParallel: 1 }] },
    maxParallel: 1,
  });
  try {
    await ctx.until(Promise.all(ids.map((id) => rollouts.start({
      rolloutId: id,
      playbook,
      fleet: noopFleet(id, options.targets),
      release: { version: TO_VERSION, artifactPath: ctx.artifact.path, sha256: ctx.artifact.sha256, notes: 'bench: stop the line' },
      startedBy: 'bench',
    }))));
    // Every rollout mid-wave: at least one install done, more to go.
    await ctx.until(Promise.all(ids.map((id) => pollQuery(ctx.client.workflow.getHandle(stepWorkflowId(id, 'wave-1')), stepProgressQuery, (p) => p.changes.length > 0, {
      intervalMs: options.pollIntervalMs, timeoutMs: 120_000, signal: ctx.signal, awaitStart: true,
    }))));
    ctx.log(`stop the line: ${ids.length} rollouts mid-wave; freeze now`);
    const commandAt = performance.now();
    const commandEpoch = Date.now();
    const { stopped, timings } = await ctx.until(stopTheLine(rollouts, { by: 'bench', reason: 'bench: stop the line', then: 'hold' }));
    const acceptedEpoch = Date.now();
    const mine = stopped.filter((s) => ids.includes(s.rolloutId));
    const notStopped = mine.filter((s) => !s.stopped).map((s) => `${s.rolloutId}: ${s.message}`);
    const held = await ctx.until(Promise.all(ids.map((id) => pollQuery(ctx.client.workflow.getHandle(id), statusQuery, (s) => s.state === 'held', {
      intervalMs: options.pollIntervalMs, timeoutMs: 60_000, signal: ctx.signal,
    }).then((r) => r.seenAt - commandAt))));
    // After its own stop was accepted, at the latest when the command returned: no new install.
    const late = await ctx.until(Promise.all(ids.map((id) => installsScheduledAfter(ctx.client, id, acceptedEpoch))));
    return {
      rollouts: ids.length,
      p50Ms: ms(percentile(held, 50)),
      p99Ms: ms(percentile(held, 99)),
      startedAfterFreeze: late.reduce((a, b) => a + b, 0),
      commandMs: acceptedEpoch - commandEpoch,
      commandTimings: timings,
      notStopped,
      method: `${ids.length} direct rollouts of ${options.targets} noop targets each, installing one at a time; the time is from the start of 'freeze now' ` +
        "(client/stopRollouts.ts stopTheLine: change control's Update, then a stop --then hold to every running rollout at once) to the first 'status' query answering 'held', " +
        `polled every ${options.pollIntervalMs} ms; startedAfterFreeze counts installTarget activities scheduled in any rollout's wave after the command returned (its history); nearest-rank percentiles`,
    };
  } finally {
    if (!ctx.signal.aborted) {
      await new ChangeControlClient(ctx.client, RAMPART_QUEUE).liftLine({ by: 'bench', reason: 'bench done' }).catch(() => undefined);
      await Promise.all(ids.map((id) => ctx.client.workflow.getHandle(id).terminate('bench trial done').catch(() => undefined)));
    }
  }
}
