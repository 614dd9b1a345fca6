import assert from 'node:assert/strict';
import { RolloutClient } from '../client/rolloutClient';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { findFreePort, startDevServer, stopDevServer } from '../local/temporal/devServer';
import { readRolloutStatus } from '../client/rolloutStatusView';
import type { RolloutStatus } from '../domain/rolloutStatus';
import { nodeArgsForTs } from '../local/process/tsxCommand';
import { createRampartWorker } from '../worker/createWorker';
import { ProcessGroup } from '../local/process/processes';
import { RolloutHarness, fastPlaybook } from './helpers/rolloutHarness';
import { bundleWorkflows, devServerAddress } from './helpers/temporal';

const finished = (s: RolloutStatus) => ['completed', 'rolled_back', 'failed'].includes(s.state);

describe('crash-proof rollouts', () => {
  const h = new RolloutHarness();
  const processes = new ProcessGroup();
  before(async () => h.start({ size: 6, inProcessWorker: false }));
  after(async () => {
    await processes.stopAll();
    await h.stop();
  });

  const startWorkerProcess = async (name: string) => {
    const worker = processes.spawn(process.execPath, nodeArgsForTs(path.resolve(__dirname, '../worker/main.ts')), {
      name,
      env: { ...process.env, TEMPORAL_ADDRESS: devServerAddress(), RAMPART_TASK_QUEUE: h.taskQueue },
    });
    await worker.waitForOutput(/polling task queue/, 60_000);
    return worker;
  };

  test('a worker killed with SIGKILL mid-wave: the rollout carries on and no target is installed twice', async () => {
    const first = await startWorkerProcess('worker-1');
    const playbook = fastPlaybook({
      phases: { canary: { size: 1, bakeTime: '1s' }, waves: [{ size: '100%', bakeTime: '2s', maxParallel: 1 }] },
    });
    const artifact = await h.artifact('3.0.0');
    await h.startRollout(h.input('crash-worker', playbook, artifact, '3.0.0'));
    // Kill it once the wave is under way: some of its targets done, others not started.
    const deadline = Date.now() + 60_000;
    let midWave: RolloutStatus | undefined;
    while (Date.now() < deadline) {
      const s = await readRolloutStatus(h.rollouts, 'crash-worker');
      const done = s.targets.filter((t) => t.step === 'wave-1' && t.state === 'installed').length;
      if (s.step === 'wave-1' && done >= 1 && done <= 3) {
        midWave = s;
        break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(midWave, 'caught the rollout mid-wave');
    first.kill('SIGKILL');
    await first.exited;

    await startWorkerProcess('worker-2');
    const status = await h.waitFor('crash-worker', finished, 120_000);
    assert.equal(status.state, 'completed', status.outcome?.reason);
    assert.deepEqual(Object.values(await h.versions()), Array(6).fill('3.0.0'));
    for (const [id, records] of Object.entries(await h.journal())) {
      assert.equal(records.filter((r) => r.action === 'install' && r.to === '3.0.0').length, 1, `${id} installed exactly once`);
    }
  });
});

describe('a dev server restart', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'rampart-restart-'));
  const h = new RolloutHarness();
  after(async () => {
    await h.stop();
    await stopDevServer(dataDir);
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('running rollouts survive a stop and start of the dev server on its SQLite file', async () => {
    const port = await findFreePort();
    const server = await startDevServer({ dataDir, port, ui: false });
    await h.start({ size: 3, inProcessWorker: false });
    const connection = await NativeConnection.connect({ address: server.address });
    const worker = await createRampartWorker({
      connection,
      namespace: 'default',
      taskQueue: h.taskQueue,
      workflowBundle: await bundleWorkflows(require.resolve('../workflows')),
    });
    const running = worker.run();
    const client = new Client({ connection: await Connection.connect({ address: server.address }) });
    try {
      const playbook = fastPlaybook({ phases: { canary: { size: 1, bakeTime: '4s' }, waves: [{ size: '100%', bakeTime: '2s' }] } });
      const artifact = await h.artifact('4.0.0');
      const rollouts = new RolloutClient(client, h.taskQueue);
      await rollouts.start(h.input('survives-restart', playbook, artifact, '4.0.0'));
      const poll = async (done: (s: RolloutStatus) => boolean, timeoutMs: number) => {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          const s = await rollouts.status('survives-restart').catch(() => undefined);
          if (s && done(s)) return s;
          if (Date.now() > deadline) throw new Error(`timed out at ${s?.state}`);
          await new Promise((r) => setTimeout(r, 200));
        }
      };
      await poll((s) => s.step === 'canary', 30_000);
      assert.equal(await stopDevServer(dataDir), true);
      await startDevServer({ dataDir, port, ui: false });
      const status = await poll(finished, 120_000);
      assert.equal(status.state, 'completed', status.outcome?.reason);
      assert.deepEqual(Object.values(await h.versions()), Array(3).fill('4.0.0'));
    } finally {
      worker.shutdown();
      await running.catch(() => undefined);
      await connection.close();
      await client.connection.close();
    }
  });
});
