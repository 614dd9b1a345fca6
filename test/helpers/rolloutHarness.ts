import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import type { RolloutInput } from '../../domain/rolloutInput';
import { FINAL_STATES, type RolloutStatus } from '../../domain/rolloutStatus';
import { buildArtifact, type Fault } from '../../local/fleet/artifactBuild';
import { fleetDown, fleetUp, readInstallJournals, type FleetUpResult } from '../../local/fleet/localFleet';
import { createRampartWorker } from '../../worker/createWorker';
import { IncidentClient } from '../../client/incidentClient';
import { RolloutClient } from '../../client/rolloutClient';
import { readRolloutStatus } from '../../client/rolloutStatusView';
import { bundleWorkflows, devServerAddress, uniqueTaskQueue } from './temporal';

export { fastPlaybook } from './fastPlaybook';

export const FROM_VERSION = '1.0.0';

/** A real local fleet, a Rampart worker on the shared dev server and a client: one per test file. */
export class RolloutHarness {
  readonly dir = mkdtempSync(path.join(os.tmpdir(), 'rampart-rollout-'));
  readonly taskQueue = uniqueTaskQueue('rollout');
  fleet!: FleetUpResult;
  client!: Client;
  /** The same typed clients the CLI, portal and hooks use. */
  rollouts!: RolloutClient;
  incidents!: IncidentClient;
  private worker: Worker | undefined;
  private workerRun: Promise<void> | undefined;
  private nativeConnection: NativeConnection | undefined;

  async start(options: { size: number; internal?: number; inProcessWorker?: boolean }): Promise<void> {
    if (options.size > 0) {
      this.fleet = await fleetUp({ stateDir: path.join(this.dir, 'fleet'), size: options.size, version: FROM_VERSION, internal: options.internal ?? 0 });
    }
    const connection = await Connection.connect({ address: devServerAddress() });
    this.client = new Client({ connection });
    this.rollouts = new RolloutClient(this.client, this.taskQueue);
    this.incidents = new IncidentClient(this.client, this.taskQueue);
    if (options.inProcessWorker !== false) await this.startWorker();
  }

  async startWorker(): Promise<void> {
    this.nativeConnection = await NativeConnection.connect({ address: devServerAddress() });
    this.worker = await createRampartWorker({
      connection: this.nativeConnection,
      namespace: 'default',
      taskQueue: this.taskQueue,
      workflowBundle: await bundleWorkflows(require.resolve('../../workflows')),
    });
    this.workerRun = this.worker.run();
  }

  async artifact(version: string, fault?: Fault) {
    return buildArtifact({ version, outDir: path.join(this.dir, 'artifacts'), ...(fault ? { fault } : {}) });
  }

  input(rolloutId: string, playbook: Record<string, unknown>, artifact: { path: string; sha256: string }, version: string, fleet: unknown = this.fleet.fleet): RolloutInput {
    return {
      rolloutId,
      playbook,
      fleet,
      release: { version, artifactPath: artifact.path, sha256: artifact.sha256, notes: `release ${version}` },
      startedBy: 'alice',
    };
  }

  async startRollout(input: RolloutInput) {
    return this.rollouts.start(input);
  }

  async status(rolloutId: string): Promise<RolloutStatus> {
    return this.rollouts.status(rolloutId);
  }

  /** Polls (bounded) until the rollout's state satisfies `done`. */
  async waitFor(rolloutId: string, done: (s: RolloutStatus) => boolean, timeoutMs = 60_000): Promise<RolloutStatus> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const status = await this.status(rolloutId);
      if (done(status)) {
        // A final status shows a moment before the execution closes (it writes its release report,
        // then gives the lease back): a test that goes on to the next rollout waits for the close.
        if (FINAL_STATES.includes(status.state)) await this.closed(rolloutId, deadline);
        return status;
      }
      if (Date.now() > deadline) throw new Error(`timed out; last state ${status.state} ${status.step}: ${JSON.stringify(status.timeline.slice(-3))}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** Until the rollout's execution has closed (bounded by `deadline`). */
  private async closed(rolloutId: string, deadline: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const result = this.rollouts.handle(rolloutId).result().then(() => undefined, () => undefined);
    await Promise.race([result, new Promise((r) => (timer = setTimeout(r, Math.max(1000, deadline - Date.now()))))]);
    clearTimeout(timer);
  }

  /** As waitFor, on the status the CLI shows: with the running step's own progress (its installs, its bake). */
  async waitForProgress(rolloutId: string, done: (s: RolloutStatus) => boolean, timeoutMs = 60_000): Promise<RolloutStatus> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const status = await readRolloutStatus(this.rollouts, rolloutId);
      if (done(status)) return status;
      if (Date.now() > deadline) throw new Error(`timed out; last state ${status.state} ${status.step}: ${JSON.stringify(status.steps)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** What each target's own /health says now. */
  async versions(): Promise<Record<string, string | null>> {
    const entries = await Promise.all(this.fleet.fleet.targets.map(async (t) => {
      const url = t.adapter === 'local' ? t.url : '';
      const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) }).catch(() => null);
      const body = res?.ok ? ((await res.json()) as { version: string }) : null;
      return [t.id, body?.version ?? null] as const;
    }));
    return Object.fromEntries(entries);
  }

  /** Completed installs and rollbacks per target, from the fleet's own journals. */
  async journal() {
    const journals = await readInstallJournals({ stateDir: this.fleet.stateDir });
    return Object.fromEntries(journals.map((j) => [j.targetId, j.records.filter((r) => r.phase === 'done')]));
  }

  writeFile(name: string, content: string): string {
    const file = path.join(this.dir, name);
    writeFileSync(file, content);
    return file;
  }

  async stopWorker(): Promise<void> {
    if (this.worker && this.worker.getState() === 'RUNNING') this.worker.shutdown();
    await this.workerRun?.catch(() => undefined);
    await this.nativeConnection?.close();
    this.nativeConnection = undefined;
    this.worker = undefined;
  }

  async stop(): Promise<void> {
    await this.stopWorker();
    await this.client?.connection.close();
    if (this.fleet) await fleetDown({ stateDir: this.fleet.stateDir });
    rmSync(this.dir, { recursive: true, force: true });
  }
}
