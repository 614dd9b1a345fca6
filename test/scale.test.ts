import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { buildArtifact } from '../client/artifactBuild';
import type { RolloutStatus } from '../domain/rolloutStatus';
import { createRampartWorker } from '../worker/createWorker';
import { fastPlaybook } from './helpers/rolloutHarness';
import { bundleWorkflows, createTimeSkippingEnv, uniqueTaskQueue } from './helpers/temporal';

describe('history stays bounded as the fleet grows', () => {
  let env: TestWorkflowEnvironment;
  let worker: Worker;
  let running: Promise<void>;
  const taskQueue = uniqueTaskQueue('scale');
  let artifact: { path: string; sha256: string };

  before(async () => {
    artifact = await buildArtifact({ version: '7.0.0', outDir: mkdtempSync(path.join(os.tmpdir(), 'rampart-scale-')) });
    env = await createTimeSkippingEnv();
    worker = await createRampartWorker({ connection: env.nativeConnection, namespace: 'default', taskQueue, workflowBundle: await bundleWorkflows(require.resolve('../workflows')) });
    running = worker.run();
  });
  after(async () => {
    worker.shutdown();
    await running;
    await env.teardown();
  });

  async function rollout(size: number): Promise<{ parentEvents: number; waveEvents: number }> {
    const id = `scale-${size}`;
    const playbook = fastPlaybook({
      phases: { canary: { size: 1, bakeTime: '10m' }, waves: [{ size: '50%', bakeTime: '10m', maxParallel: 50 }, { size: '100%', bakeTime: '10m', maxParallel: 50 }] },
      health: { errorRate: { max: 0.05 }, minSamples: 10, analysisInterval: '5m' },
    });
    const fleet = { name: 'dry-run', version: '1.0.0', targets: Array.from({ length: size }, (_, i) => ({ id: `n-${i}`, adapter: 'noop', labels: {} })) };
    const handle = await env.client.workflow.start('rolloutWorkflow', {
      taskQueue, workflowId: id,
      args: [{ rolloutId: id, playbook, fleet, release: { version: '7.0.0', artifactPath: artifact.path, sha256: artifact.sha256, notes: 'n' }, startedBy: 'alice' }],
    });
    const status = (await handle.result()) as RolloutStatus;
    assert.equal(status.state, 'completed');
    assert.equal(status.targets.filter((t) => t.version === '7.0.0').length, size);
    const events = async (workflowId: string) => (await env.client.workflow.getHandle(workflowId).fetchHistory()).events?.length ?? 0;
    return { parentEvents: await events(id), waveEvents: await events(`${id}/wave-2`) };
  }

  test('a 20-fold larger fleet adds no events to the rollout workflow; each wave is its own child', async () => {
    const small = await rollout(20);
    const large = await rollout(400);
    assert.equal(large.parentEvents, small.parentEvents, `parent: ${small.parentEvents} vs ${large.parentEvents} events`);
    assert.ok(large.waveEvents > small.waveEvents, 'the wave child carries the per-target work');
    assert.ok(large.waveEvents < 51_200 / 4, `a 200-target wave stays far below the history limit (${large.waveEvents} events)`);
  });
});
