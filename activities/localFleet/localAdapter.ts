import type { Target } from '../../domain/fleet';
import type { TargetSample } from '../../domain/metrics';
import { adapterError } from '../adapters/errors';
import { probeHealth, sampleMetrics } from '../adapters/healthEndpoints';
import { httpRequest, joinUrl, sleep } from '../adapters/http';
import type { ChangeResult, DeployAdapter, HealthProbe, TargetChange } from '../adapters/types';
import { verifyArtifactDigest } from './artifactDigest';
import { appendJournal, findChange, readJournal, type JournalRecord } from './installJournal';
import { currentVersion, hasRelease, switchCurrent, unpackRelease } from './releaseStore';

type LocalTarget = Extract<Target, { adapter: 'local' }>;

export interface LocalAdapterOptions {
  /** How long install/rollback wait for /health to report the new version; default 20 s. */
  healthTimeoutMs?: number;
  pollIntervalMs?: number;
}

/**
 * Drives a target of the local fleet: unpack, switch `current`, have the supervisor restart the
 * process, watch /health. Idempotent on the change key through the target's install journal.
 *
 * An unhealthy new version is not an error here: the install did happen, and deciding whether the
 * version is good is the health gate's job. Only failures of the install itself throw.
 */
export class LocalAdapter implements DeployAdapter {
  private readonly healthTimeoutMs: number;
  private readonly pollIntervalMs: number;
  /** Changes to one target directory run one at a time within this worker. */
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(options: LocalAdapterOptions = {}) {
    this.healthTimeoutMs = options.healthTimeoutMs ?? 20_000;
    this.pollIntervalMs = options.pollIntervalMs ?? 200;
  }

  async install(change: TargetChange, signal?: AbortSignal): Promise<ChangeResult> {
    return this.apply('install', change, signal);
  }

  async rollback(change: TargetChange, signal?: AbortSignal): Promise<ChangeResult> {
    return this.apply('rollback', change, signal);
  }

  async probe(target: Target): Promise<HealthProbe> {
    return probeHealth(target.id, joinUrl(asLocal(target).url, '/health'));
  }

  async sample(target: Target): Promise<TargetSample> {
    return sampleMetrics(target.id, joinUrl(asLocal(target).url, '/metrics'));
  }

  private apply(action: JournalRecord['action'], change: TargetChange, signal?: AbortSignal): Promise<ChangeResult> {
    const target = asLocal(change.target);
    const previous = this.locks.get(target.dir) ?? Promise.resolve();
    const run = previous.then(
      () => this.applyNow(action, change, target, signal),
      () => this.applyNow(action, change, target, signal),
    );
    const settled = run.catch(() => undefined);
    this.locks.set(target.dir, settled);
    void settled.then(() => {
      if (this.locks.get(target.dir) === settled) this.locks.delete(target.dir);
    });
    return run;
  }

  private async applyNow(action: JournalRecord['action'], change: TargetChange, target: LocalTarget, signal?: AbortSignal): Promise<ChangeResult> {
    const { dir } = target;
    const { begun, done } = findChange(await readJournal(dir), change.key);
    if (done) return { targetId: target.id, version: done.to, previousVersion: done.from, replayed: true };
    if (begun && (begun.to !== change.version || begun.action !== action)) {
      throw adapterError('ConfigurationError', `key ${change.key} was used for ${begun.action} of ${begun.to} on ${target.id}; it cannot now mean ${action} of ${change.version}`);
    }
    signal?.throwIfAborted();

    // Check everything that can make the change impossible before recording that it began.
    if (action === 'install') {
      if (!change.artifact) throw adapterError('ConfigurationError', `install of ${change.version} on ${target.id} names no artifact`);
      await verifyArtifactDigest(change.artifact);
      await unpackRelease(dir, change.version, change.artifact.path);
    } else if (!(await hasRelease(dir, change.version))) {
      throw adapterError('ReleaseMissing', `cannot roll ${target.id} back to ${change.version}: releases/${change.version} is not on the target (${dir})`);
    }

    const from = begun ? begun.from : await currentVersion(dir);
    if (!begun) await appendJournal(dir, { key: change.key, action, from, to: change.version, at: new Date().toISOString(), phase: 'begin' });

    const switched = await switchCurrent(dir, change.version);
    // A change resumed after the switch may find the process already on the version: leave it be.
    const alreadyServing = !switched && (await this.probe(target)).version === change.version;
    if (!alreadyServing) {
      await requestRestart(target, signal);
      await this.waitForVersion(target, change.version, signal);
    }

    await appendJournal(dir, { key: change.key, action, from, to: change.version, at: new Date().toISOString(), phase: 'done' });
    return { targetId: target.id, version: change.version, previousVersion: from, replayed: false };
  }

  /**
   * Waits until /health has reported the version once, or the timeout passes. Once is enough: a
   * crash-faulted version answers briefly and then dies, which the health gate must see, not us.
   */
  private async waitForVersion(target: LocalTarget, version: string, signal?: AbortSignal): Promise<boolean> {
    const deadline = Date.now() + this.healthTimeoutMs;
    for (;;) {
      signal?.throwIfAborted();
      if ((await this.probe(target)).version === version) return true;
      if (Date.now() >= deadline) return false;
      await sleep(this.pollIntervalMs, signal);
    }
  }
}

async function requestRestart(target: LocalTarget, signal?: AbortSignal): Promise<void> {
  const url = joinUrl(target.supervisorUrl, `/targets/${encodeURIComponent(target.id)}/restart`);
  let res;
  try {
    res = await httpRequest({ url, method: 'POST', timeoutMs: 15_000, signal });
  } catch (err) {
    if (signal?.aborted) throw err;
    throw adapterError('SupervisorUnavailable', `cannot reach the fleet supervisor to restart ${target.id}: ${(err as Error).message}`, err);
  }
  if (res.status !== 200) {
    const kind = res.status === 404 ? 'ConfigurationError' : 'SupervisorUnavailable';
    throw adapterError(kind, `the fleet supervisor refused to restart ${target.id}: HTTP ${res.status} ${res.text.slice(0, 200)}`);
  }
}

function asLocal(target: Target): LocalTarget {
  if (target.adapter !== 'local') throw adapterError('ConfigurationError', `target ${target.id} is a ${target.adapter} target, not a local one`);
  return target;
}
