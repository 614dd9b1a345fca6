import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { RolloutClient } from '../client/rolloutClient';
import { ProcessGroup } from '../local/process/processes';
import { nodeArgsForTs } from '../local/process/tsxCommand';
import { WORKER_SCRIPT } from '../local/stack/workerProcess';
import { stepWorkflowId } from '../contract/ids';
import type { RolloutStatus } from '../domain/rolloutStatus';
import { buildArtifact } from '../local/fleet/artifactBuild';
import { createRampartWorker } from '../worker/createWorker';
import { WorkerConfigError, workerVersioningFromEnv } from '../worker/config';
import { dryRunFleet } from './helpers/dryRun';
import { fastPlaybook } from './helpers/rolloutHarness';
import { bundleWorkflows, devServerAddress, uniqueTaskQueue } from './helpers/temporal';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const PINNED = temporal.api.enums.v1.VersioningBehavior.VERSIONING_BEHAVIOR_PINNED;

/**
 * Worker Versioning on the dev server: two builds of one worker deployment on one task queue.
 * A rollout started while build A is current finishes on A (its children too) after build B is
 * made current; a rollout started then runs on B.
 */
describe('Worker Versioning: rollouts stay on the build that started them (dev server)', () => {
  const namespace = 'default';
  const deploymentName = `rampart-test-${randomUUID().slice(0, 8)}`;
  const taskQueue = uniqueTaskQueue('versioning');
  const workers: { worker: Worker; run: Promise<void>; connection: NativeConnection }[] = [];
  let client: Client;
  let rollouts: RolloutClient;
  let artifact: { path: string; sha256: string };

  before(async () => {
    client = new Client({ connection: await Connection.connect({ address: devServerAddress() }), namespace });
    rollouts = new RolloutClient(client, taskQueue);
    artifact = await buildArtifact({ version: '2.0.0', outDir: mkdtempSync(path.join(os.tmpdir(), 'rampart-versioning-')) });
  });
  after(async () => {
    for (const w of workers) w.worker.shutdown();
    for (const w of workers) {
      await w.run.catch(() => undefined);
      await w.connection.close();
    }
    await client?.connection.close();
  });

  async function startBuild(buildId: string): Promise<void> {
    const connection = await NativeConnection.connect({ address: devServerAddress() });
    const worker = await createRampartWorker({
      connection, namespace, taskQueue,
      workflowBundle: await bundleWorkflows(require.resolve('../workflows')),
      versioning: { deploymentName, buildId },
    });
    workers.push({ worker, run: worker.run(), connection });
  }

  /** What `temporal worker deployment set-current-version` does; the version exists once its worker polled. */
  async function setCurrent(buildId: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await client.workflowService.setWorkerDeploymentCurrentVersion({ namespace, deploymentName, buildId, identity: 'versioning-test' });
        return;
      } catch (err) {
        if (attempt >= 50) throw err;
        await delay(200);
      }
    }
  }

  const input = (rolloutId: string, playbook: Record<string, unknown>) => ({
    rolloutId, playbook, fleet: dryRunFleet(rolloutId, 4), startedBy: 'alice',
    release: { version: '2.0.0', artifactPath: artifact.path, sha256: artifact.sha256, notes: 'versioning' },
  });

  async function pinnedTo(workflowId: string): Promise<string | undefined> {
    const { raw } = await client.workflow.getHandle(workflowId).describe();
    const info = raw.workflowExecutionInfo?.versioningInfo;
    assert.equal(info?.behavior, PINNED, `${workflowId} is pinned`);
    return info?.deploymentVersion?.buildId ?? undefined;
  }

  /** The build of every workflow task the execution completed: who ran its code. */
  async function buildsThatRan(workflowId: string): Promise<string[]> {
    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    const builds = (history.events ?? []).flatMap((e) => {
      const done = e.workflowTaskCompletedEventAttributes;
      return done ? [done.deploymentVersion?.buildId ?? '(unversioned)'] : [];
    });
    return [...new Set(builds)];
  }

  test('a rollout started on build A finishes on A after B is made current; a new rollout runs on B', async () => {
    await startBuild('build-a');
    await setCurrent('build-a');
    // A canary that bakes long enough to still be running when build B takes over.
    const slow = fastPlaybook({ phases: { canary: { size: 1, bakeTime: '8s' }, waves: [{ size: '100%', bakeTime: '2s' }] } });
    const first = await rollouts.start(input(`versioning-a-${randomUUID().slice(0, 6)}`, slow));
    for (let i = 0; i < 100 && (await rollouts.status(first.workflowId)).step !== 'canary'; i++) await delay(200);

    await startBuild('build-b');
    await setCurrent('build-b');
    const second = await rollouts.start(input(`versioning-b-${randomUUID().slice(0, 6)}`, fastPlaybook()));
    assert.equal((await rollouts.status(first.workflowId)).step, 'canary', 'the first rollout was still running when B became current');

    const [a, b] = (await Promise.all([first.result(), second.result()])) as [RolloutStatus, RolloutStatus];
    assert.equal(a.state, 'completed', a.outcome?.reason);
    assert.equal(b.state, 'completed', b.outcome?.reason);
    assert.equal(await pinnedTo(first.workflowId), 'build-a');
    assert.equal(await pinnedTo(second.workflowId), 'build-b');
    // Every task of the first rollout, and of the wave its child started after the switch, ran on A.
    assert.deepEqual(await buildsThatRan(first.workflowId), ['build-a']);
    assert.deepEqual(await buildsThatRan(stepWorkflowId(first.workflowId, 'canary')), ['build-a']);
    assert.deepEqual(await buildsThatRan(stepWorkflowId(first.workflowId, 'wave-1')), ['build-a']);
    assert.deepEqual(await buildsThatRan(second.workflowId), ['build-b']);
    assert.deepEqual(await buildsThatRan(stepWorkflowId(second.workflowId, 'canary')), ['build-b']);
  });

  test('RAMPART_DEPLOYMENT_NAME and RAMPART_BUILD_ID: both or neither, each well formed', () => {
    assert.equal(workerVersioningFromEnv({}), undefined, 'off by default');
    assert.deepEqual(workerVersioningFromEnv({ RAMPART_DEPLOYMENT_NAME: 'rampart', RAMPART_BUILD_ID: '3f2c1ab' }), { deploymentName: 'rampart', buildId: '3f2c1ab' });
    assert.throws(() => workerVersioningFromEnv({ RAMPART_BUILD_ID: '3f2c1ab' }), (e: Error) => e instanceof WorkerConfigError && /RAMPART_DEPLOYMENT_NAME is not set/.test(e.message));
    assert.throws(() => workerVersioningFromEnv({ RAMPART_DEPLOYMENT_NAME: 'rampart' }), /RAMPART_BUILD_ID is not set/);
    assert.throws(() => workerVersioningFromEnv({ RAMPART_DEPLOYMENT_NAME: 'ram.part', RAMPART_BUILD_ID: 'x' }), /RAMPART_DEPLOYMENT_NAME must be .*no '\.'/);
    assert.throws(() => workerVersioningFromEnv({ RAMPART_DEPLOYMENT_NAME: 'rampart', RAMPART_BUILD_ID: 'a b' }), /RAMPART_BUILD_ID must be/);
  });

  test('the worker process with only RAMPART_BUILD_ID set exits 2 naming the missing variable, before it connects', async () => {
    const procs = new ProcessGroup();
    try {
      const env: NodeJS.ProcessEnv = { ...process.env, TEMPORAL_ADDRESS: devServerAddress(), RAMPART_TASK_QUEUE: uniqueTaskQueue('versioning-bad'), RAMPART_BUILD_ID: '3f2c1ab' };
      delete env.RAMPART_DEPLOYMENT_NAME;
      delete env.RAMPART_LEDGER_URL;
      const proc = procs.spawn(process.execPath, nodeArgsForTs(WORKER_SCRIPT), { name: 'worker-bad-versioning', env });
      const status = await proc.exited;
      assert.equal(status.code, 2, proc.output());
      assert.match(proc.output(), /rampart worker: set both RAMPART_DEPLOYMENT_NAME and RAMPART_BUILD_ID for Worker Versioning, or neither \(RAMPART_DEPLOYMENT_NAME is not set\)/);
      assert.doesNotMatch(proc.output(), /\n\s+at /, 'no stack trace');
    } finally {
      await procs.stopAll();
    }
  });
});
