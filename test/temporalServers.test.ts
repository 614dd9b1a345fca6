import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { NativeConnection, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { findFreePort, isDevServerRunning, startDevServer, stopDevServer } from '../local/temporal/devServer';
import { echo, sleepThenEcho } from './fixtures/workflows/echo';
import { ProcessGroup } from '../local/process/processes';
import { bundleWorkflows, createDevEnv, createTimeSkippingEnv, uniqueTaskQueue } from './helpers/temporal';

const ECHO_WORKFLOWS = require.resolve('./fixtures/workflows/echo');
const HOUR_MS = 3_600_000;

let workflowBundle: WorkflowBundleWithSourceMap;
before(async () => {
  workflowBundle = await bundleWorkflows(ECHO_WORKFLOWS);
});

describe('the shared dev server', () => {
  let env: TestWorkflowEnvironment;
  before(async () => {
    env = await createDevEnv();
  });
  after(async () => {
    await env?.teardown();
  });

  test('runs a workflow to completion', async () => {
    const taskQueue = uniqueTaskQueue('echo');
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle });
    const result = await worker.runUntil(
      env.client.workflow.execute(echo, { taskQueue, workflowId: `echo-${taskQueue}`, args: ['hello rampart'] }),
    );
    assert.equal(result, 'hello rampart');
  });
});

describe('the time-skipping test server', () => {
  let env: TestWorkflowEnvironment;
  before(async () => {
    env = await createTimeSkippingEnv();
  });
  after(async () => {
    await env?.teardown();
  });

  test('skips a one-hour sleep', async () => {
    const taskQueue = uniqueTaskQueue('sleep');
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle });
    const started = Date.now();
    const result = await worker.runUntil(
      env.client.workflow.execute(sleepThenEcho, { taskQueue, workflowId: `sleep-${taskQueue}`, args: [HOUR_MS, 'awake'] }),
    );
    const wallMs = Date.now() - started;
    assert.equal(result.text, 'awake');
    assert.ok(result.sleptMs >= HOUR_MS, `workflow time advanced ${result.sleptMs} ms, expected at least one hour`);
    assert.ok(wallMs < 30_000, `took ${wallMs} ms of real time`);
  });
});

describe('a dev server restarted on the same SQLite file', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'rampart-restart-'));
  after(async () => {
    await stopDevServer(dataDir);
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function connect(address: string) {
    const connection = await Connection.connect({ address, connectTimeout: 10_000 });
    const nativeConnection = await NativeConnection.connect({ address });
    const client = new Client({ connection });
    const close = async () => {
      await nativeConnection.close();
      await connection.close();
    };
    return { client, nativeConnection, close };
  }

  async function waitForTimer(handle: WorkflowHandle, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const history = await handle.fetchHistory();
      if (history.events?.some((event) => event.timerStartedEventAttributes)) return;
      await delay(100);
    }
    throw new Error(`workflow ${handle.workflowId} started no timer within ${timeoutMs} ms`);
  }

  test('keeps a running workflow, which completes after the restart', async () => {
    const port = await findFreePort();
    const taskQueue = uniqueTaskQueue('restart');
    const workflowId = `restart-${taskQueue}`;

    const first = await startDevServer({ dataDir, port, ui: false });
    assert.equal(first.alreadyRunning, false);
    assert.ok(isDevServerRunning(dataDir));
    const before = await connect(first.address);
    try {
      const worker = await Worker.create({ connection: before.nativeConnection, taskQueue, workflowBundle });
      await worker.runUntil(async () => {
        const handle = await before.client.workflow.start(sleepThenEcho, { taskQueue, workflowId, args: [4_000, 'survived'] });
        await waitForTimer(handle, 15_000);
      });
    } finally {
      await before.close();
    }

    assert.equal(await stopDevServer(dataDir), true);
    assert.equal(isDevServerRunning(dataDir), false);

    const second = await startDevServer({ dataDir, port, ui: false });
    assert.notEqual(second.pid, first.pid);
    const afterRestart = await connect(second.address);
    try {
      const handle = afterRestart.client.workflow.getHandle(workflowId);
      const description = await handle.describe();
      assert.ok(['RUNNING', 'COMPLETED'].includes(description.status.name), `status ${description.status.name}`);
      const worker = await Worker.create({ connection: afterRestart.nativeConnection, taskQueue, workflowBundle });
      const result = (await worker.runUntil(handle.result())) as { text: string; sleptMs: number };
      assert.equal(result.text, 'survived');
      assert.ok(result.sleptMs >= 4_000);
    } finally {
      await afterRestart.close();
    }
  });
});

describe('test processes', () => {
  const procs = new ProcessGroup();
  after(() => procs.stopAll());

  test('are stopped with their children, even when they ignore SIGTERM', async () => {
    // A parent that ignores SIGTERM and a grandchild that sleeps: stop() must end both.
    const script = `
      process.on('SIGTERM', () => console.log('ignoring SIGTERM'));
      const { spawn } = require('node:child_process');
      const grandchild = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 600000)'], { stdio: 'ignore' });
      console.log('grandchild ' + grandchild.pid);
      setInterval(() => {}, 1000);
    `;
    const proc = procs.spawn(process.execPath, ['-e', script], { name: 'stubborn' });
    const match = await proc.waitForOutput(/grandchild (\d+)/, 10_000);
    const grandchildPid = Number(match[1]);
    const status = await proc.stop(1_000);
    assert.equal(status.signal, 'SIGKILL');
    assert.match(proc.output(), /ignoring SIGTERM/);
    await delay(200);
    assert.throws(() => process.kill(grandchildPid, 0), /ESRCH/);
  });
});
