import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { buildArtifact } from '../../local/fleet/artifactBuild';
import type { Fleet } from '../../domain/fleet';
import type { RolloutInput } from '../../domain/rolloutInput';
import { IncidentClient } from '../../client/incidentClient';
import { RolloutClient } from '../../client/rolloutClient';
import { createRampartWorker } from '../../worker/createWorker';
import { bundleWorkflows, createTimeSkippingEnv, uniqueTaskQueue } from './temporal';

/**
 * Dry-run targets (the noop adapter) for tests about the workflow itself: timers, history size,
 * replay. They remember what they were given, so every rollout gets targets of its own (prefix).
 */
export function dryRunFleet(prefix: string, size: number): Fleet {
  return {
    name: 'dry-run',
    version: '1.0.0',
    targets: Array.from({ length: size }, (_, i) => ({ id: `${prefix}-${i + 1}`, adapter: 'noop' as const, labels: {} })),
  };
}

/** A time-skipping server with a Rampart worker on it, and a real artifact to roll out. */
export class TimeSkippingRig {
  env!: TestWorkflowEnvironment;
  readonly taskQueue = uniqueTaskQueue('skip');
  artifact!: { path: string; sha256: string };
  rollouts!: RolloutClient;
  incidents!: IncidentClient;
  private worker!: Worker;
  private running!: Promise<void>;

  constructor(readonly version: string) {}

  async start(): Promise<void> {
    this.artifact = await buildArtifact({ version: this.version, outDir: mkdtempSync(path.join(os.tmpdir(), 'rampart-rig-')) });
    this.env = await createTimeSkippingEnv();
    this.rollouts = new RolloutClient(this.env.client, this.taskQueue);
    this.incidents = new IncidentClient(this.env.client, this.taskQueue);
    this.worker = await createRampartWorker({
      connection: this.env.nativeConnection,
      namespace: 'default',
      taskQueue: this.taskQueue,
      workflowBundle: await bundleWorkflows(require.resolve('../../workflows')),
    });
    this.running = this.worker.run();
  }

  input(rolloutId: string, playbook: Record<string, unknown>, fleetSize = 4): RolloutInput {
    return {
      rolloutId,
      playbook,
      fleet: dryRunFleet(rolloutId, fleetSize),
      release: { version: this.version, artifactPath: this.artifact.path, sha256: this.artifact.sha256, notes: 'dry run' },
      startedBy: 'alice',
    };
  }

  startRollout(input: RolloutInput) {
    return this.rollouts.start(input);
  }

  async stop(): Promise<void> {
    this.worker.shutdown();
    await this.running;
    await this.env.teardown();
  }
}
