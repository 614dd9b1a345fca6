import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { stepWorkflowId } from '../contract/ids';
import { ackUpdate, alertSignal, escalateUpdate, incidentNoteSignal, resolveUpdate } from '../contract/incident';
import { leaseAnswerSignal } from '../contract/lease';
import { customerViewQuery, deferUpdate, pauseUpdate, rollbackUpdate, stopUpdate } from '../contract/rollout';
import { stepControlSignal, stepProgressQuery, type StepInput, type StepProgress, type StepResult } from '../contract/step';
import { WorkflowType } from '../contract/workflowTypes';
import type { IncidentInput } from '../domain/incident';
import type { IncidentStatus } from '../domain/incidentStatus';
import { playbookSchema } from '../domain/playbook';
import type { RolloutStatus } from '../domain/rolloutStatus';
import { userMessage } from './helpers/assertions';
import { dryRunFleet, TimeSkippingRig } from './helpers/dryRun';
import { fastPlaybook } from './helpers/rolloutHarness';

/**
 * Class 2 of issue 9: Signals, Updates and Queries sent straight through Temporal, not by the CLI.
 * A malformed Signal is dropped (noted on the timeline where there is one), a malformed Update is
 * refused by its validator with the field named, and the workflow goes on as if nothing came:
 * timers fire, ack and resolve work, a stop rolls back.
 */

const HUGE = 'x'.repeat(100_000);
const goodAlert = { source: 'alertmanager', severity: 'sev2', summary: 'still failing', dedupKey: 'inc-hostile' };
const running = { paused: false, halted: false, promoted: false };

/** Sends a message with any arguments at all, as anyone who can reach Temporal can: no client-side check. */
const signalRaw = (handle: WorkflowHandle, message: { name: string }, ...args: unknown[]) => handle.signal(message.name, ...args);
const updateRaw = (handle: WorkflowHandle, message: { name: string }, ...args: unknown[]) => handle.executeUpdate(message.name, { args: args as [unknown] });
const queryRaw = (handle: WorkflowHandle, message: { name: string }, ...args: unknown[]) => handle.query(message.name, ...args);

/** A call's answer, or a failure if it never comes (a wedged workflow keeps failing its tasks and never answers). */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what} did not end within ${ms} ms`)), ms); });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** An Update refused by its validator: the client sees WorkflowUpdateFailedError with the reason (at once: a wedged workflow never answers). */
async function refused(update: Promise<unknown>, reason: RegExp): Promise<void> {
  await assert.rejects(within(update, 10_000, 'the update'), (err) => {
    assert.ok(err instanceof WorkflowUpdateFailedError, `expected WorkflowUpdateFailedError, got ${String(err)}`);
    assert.match(userMessage(err), reason);
    return true;
  });
}

async function poll<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await within(read(), 5_000, what).catch(() => undefined);
    if (last !== undefined && done(last)) return last;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)?.slice(0, 500)}`);
}

function incident(id: string): IncidentInput {
  return {
    incidentId: id,
    severity: 'sev2',
    summary: 'error rate above 5% on checkout',
    source: 'manual',
    dedupKey: id,
    openedBy: 'alice',
    policy: {
      name: 'default',
      severities: ['sev2'],
      tiers: [
        { name: 'on-call', ackDeadline: '5m', people: [{ name: 'olga' }] },
        { name: 'senior', ackDeadline: '10m', people: [{ name: 'sam' }] },
      ],
    },
  };
}

describe('workflows survive any message sent straight through Temporal (time-skipping server)', () => {
  const rig = new TimeSkippingRig('2.0.0');
  before(async () => rig.start());
  after(async () => rig.stop());

  test('an incident drops malformed signals with a note, refuses malformed updates naming the field, and still escalates, acks and resolves', async () => {
    const handle = await rig.incidents.start(incident('inc-hostile'));
    const raw = rig.env.client.workflow.getHandle(handle.workflowId);
    const badAlerts: unknown[] = [null, 42, HUGE, {}, { ...goodAlert, source: 'nope' }, { ...goodAlert, summary: HUGE }, { ...goodAlert, extra: true }];
    for (const bad of badAlerts) await signalRaw(raw, alertSignal, bad);
    await signalRaw(raw, alertSignal);
    await signalRaw(raw, incidentNoteSignal, null);
    await signalRaw(raw, incidentNoteSignal, { event: 'rolled back by an outsider', detail: 'x' });
    await signalRaw(raw, incidentNoteSignal, { event: 'contained', detail: 7 });

    await refused(updateRaw(raw, ackUpdate, null), /invalid command: \(root\): .*expected object/);
    await refused(updateRaw(raw, ackUpdate), /invalid command: \(root\): is required/);
    await refused(updateRaw(raw, ackUpdate, { by: 42 }), /invalid command: by: .*expected string/);
    await refused(updateRaw(raw, ackUpdate, { by: 'olga', extra: 1 }), /invalid command: extra: unknown key/);
    await refused(updateRaw(raw, escalateUpdate, { by: 'olga', reason: HUGE }), /invalid command: reason: /);
    await refused(updateRaw(raw, resolveUpdate, { by: 'olga', rootCause: 7 }), /invalid command: rootCause: /);

    // A well-formed alert still joins: the handlers are alive.
    await signalRaw(raw, alertSignal, goodAlert);
    const s = await within(rig.incidents.status(handle.workflowId), 10_000, 'the status');
    assert.equal(s.state, 'open');
    assert.equal(s.duplicateAlerts, 1);
    const dropped = s.timeline.filter((e) => e.event === 'message dropped').map((e) => e.detail ?? '');
    assert.equal(dropped.length, badAlerts.length + 4, dropped.join('\n'));
    for (const pattern of [/^alert: \(root\): .*expected object, received null/, /^alert: source: /, /^alert: summary: /, /^alert: extra: unknown key/, /^alert: source: .*; severity: expected one of sev1, .*; summary: (is required|expected text); dedupKey: (is required|expected text)$/, /^alert: \(root\): is required$/, /^incidentNote: event: expected one of/, /^incidentNote: detail: .*expected string/]) {
      assert.ok(dropped.some((d) => pattern.test(d)), `a dropped note matches ${pattern}:\n${dropped.join('\n')}`);
    }
    assert.ok(dropped.every((d) => d.length <= 300), 'a note names the fields, never repeats what was sent');
    assert.ok(!s.timeline.some((e) => e.event === 'contained'), 'a malformed note is not reported into the thread');

    // The escalation timer still fires, and ack and resolve still work.
    await within(rig.env.sleep('6m'), 10_000, 'six minutes of skipped time');
    const escalated = await within(rig.incidents.status(handle.workflowId), 10_000, 'the status');
    assert.equal(escalated.tier?.name, 'senior');
    assert.match(await rig.incidents.ack(handle.workflowId, { by: 'sam' }), /acknowledged/);
    await rig.incidents.resolve(handle.workflowId, { by: 'sam', reason: 'fixed' });
    const done = (await within(handle.result(), 30_000, 'the incident')) as IncidentStatus;
    assert.equal(done.state, 'resolved');
  });

  test('a rollout and its step drop malformed signals and refuse malformed updates and queries; stop still rolls every target back', async () => {
    const id = 'hostile-rollout';
    const playbook = fastPlaybook({ method: 'direct', phases: { waves: [{ size: '100%', bakeTime: '1h', maxParallel: 2 }] } });
    const rollout = await rig.startRollout(rig.input(id, playbook, 2));
    const stepId = stepWorkflowId(id, 'wave-1');
    await poll(() => rig.rollouts.stepProgress(id, 'wave-1'), (p) => p.state === 'baking', 'wave-1 to bake');
    const step = rig.env.client.workflow.getHandle(stepId);
    const raw = rig.env.client.workflow.getHandle(id);

    for (const bad of [null, HUGE, {}, { ...running, halted: 'yes' }, { ...running, extra: 1 }]) await signalRaw(step, stepControlSignal, bad);
    await signalRaw(step, stepControlSignal);
    await signalRaw(raw, leaseAnswerSignal, null);
    await signalRaw(raw, leaseAnswerSignal, { state: 'granted' });

    await refused(updateRaw(raw, pauseUpdate, { by: 42 }), /invalid command: by: .*expected string/);
    await refused(updateRaw(raw, stopUpdate, { by: 'oncall', then: 'explode' }), /invalid command: then: expected rollback or hold/);
    await refused(updateRaw(raw, rollbackUpdate, { by: 'oncall', extra: HUGE }), /invalid command: extra: unknown key/);
    await refused(updateRaw(raw, deferUpdate, null), /invalid command: \(root\)/);
    for (const [bad, rule] of [[42, /invalid customerView: customerId: .*expected string, received number/], ['../Not An Id', /invalid customerView: customerId: expected a customer id/]] as const) {
      await assert.rejects(queryRaw(raw, customerViewQuery, bad), (err) => {
        assert.match(userMessage(err), rule);
        return true;
      });
    }
    assert.equal((await rig.rollouts.customerView(id, 'acme')).customers, null, 'a well-formed query still answers');

    const progress = (await rig.rollouts.stepProgress(id, 'wave-1')) as StepProgress;
    assert.equal(progress.state, 'baking', 'the step ignored every malformed control');
    const status = await rig.rollouts.status(id);
    assert.equal(status.state, 'running');
    const dropped = status.timeline.filter((e) => e.event === 'message dropped').map((e) => e.detail ?? '');
    assert.equal(dropped.length, 2, dropped.join('\n'));
    assert.match(dropped[0]!, /^leaseAnswer: \(root\): .*expected object, received null/);
    assert.match(dropped[1]!, /^leaseAnswer: fleet: is required/);

    assert.match(await within(rig.rollouts.stop(id, { by: 'oncall', reason: 'hostile test', then: 'rollback' }), 10_000, 'stop'), /^stopping/);
    const ended = (await within(rollout.result(), 60_000, 'the stopped rollout')) as RolloutStatus;
    assert.equal(ended.state, 'rolled_back', ended.outcome?.reason);
    assert.deepEqual(ended.targets.map((t) => t.version), ['1.0.0', '1.0.0'], 'every target is back on the old version');
  });

  test('a step started straight through Temporal with a bake no timer can take bakes on, and stops at once', async () => {
    const health = playbookSchema.parse(fastPlaybook()).health;
    // 99999999999999999999d as parsed, Infinity (which JSON carries as null), and no number at all.
    const bakes: [string, unknown][] = [['huge', 99999999999999999999 * 86_400_000], ['infinite', null], ['text', 'forever']];
    for (const [name, bakeMs] of bakes) {
      const rolloutId = `raw-step-${name}`;
      const targets = dryRunFleet(rolloutId, 1).targets;
      const input: StepInput = {
        rolloutId,
        step: { name: 'canary', kind: 'canary', targets: targets.map((t) => t.id), bakeMs: bakeMs as number, maxParallel: 1 },
        targets,
        earlierCandidates: [],
        baseline: [],
        release: { version: '2.0.0', artifactPath: rig.artifact.path, sha256: rig.artifact.sha256, notes: 'raw' },
        health,
        // No control at all in the input: the step must still hear the stop.
        control: (name === 'text' ? null : running) as StepInput['control'],
        requirePromote: false,
      };
      const handle = await rig.env.client.workflow.start(WorkflowType.step, { taskQueue: rig.taskQueue, workflowId: stepWorkflowId(rolloutId, 'canary'), args: [input] });
      const baking = await poll(() => queryRaw(handle, stepProgressQuery) as Promise<StepProgress>, (p) => p.state === 'baking', `${name}: the step to bake`);
      const bakeEnds = Date.parse(baking.bakeEndsAt ?? '');
      assert.ok(bakeEnds > Date.now() + 365 * 86_400_000, `${name}: the bake ends years away, not at once (${baking.bakeEndsAt})`);
      await signalRaw(handle, stepControlSignal, { ...running, halted: true });
      const result = (await within(handle.result(), 30_000, `${name}: the halted step`)) as StepResult;
      assert.equal(result.outcome, 'halted', name);
      assert.deepEqual(result.reasons, ['stopped by command']);
    }
  });
});
