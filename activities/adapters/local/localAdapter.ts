import type { LocalTarget, Target } from '../../../domain/fleet';
import type { TargetSample } from '../../../domain/metrics';
import { featureNameSchema } from '../../../domain/release';
import { adapterError } from '../errors';
import { probeHealth, sampleMetrics } from '../healthEndpoints';
import { httpRequest, joinUrl, sleep } from '../http';
import type { ChangeResult, DeployAdapter, FeatureChange, FeatureResult, HealthProbe, TargetChange } from '../types';
import { verifyArtifactDigest } from './artifactDigest';
import { readFeatures, writeFeature } from './featureSwitches';
import { appendJournal, findChange, readJournal } from './installJournal';
import { confinedTargetFolder } from './targetFolder';
import { currentVersion, hasRelease, switchCurrent, unpackRelease } from './releaseStore';
import { readSupervisorToken, SUPERVISOR_TOKEN_HEADER, supervisorTokenFile } from './supervisorToken';


export interface LocalAdapterOptions {
  /** How long install/rollback wait for /health to report the new version; default 20 s. */
  healthTimeoutMs?: number;
  pollIntervalMs?: number;
  /** How long setFeature waits for /health to show the switch; default 3 s. Not seeing it is not an error. */
  featureConfirmMs?: number;
}

/**
 * Drives a target of the local fleet: unpack, switch `current`, have the supervisor restart the
 * process, watch /health. Idempotent on the change key through the target's install journal.
 * Feature switches go to DIR/features.json, which the running process re-reads: no restart.
 *
 * An unhealthy new version is not an error here: the install did happen, and deciding whether the
 * version is good is the health gate's job. Only failures of the install itself throw.
 */
export class LocalAdapter implements DeployAdapter {
  private readonly healthTimeoutMs: number;
  private readonly pollIntervalMs: number;
  private readonly featureConfirmMs: number;
  /** Changes to one target directory run one at a time within this worker. */
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(options: LocalAdapterOptions = {}) {
    this.healthTimeoutMs = options.healthTimeoutMs ?? 20_000;
    this.pollIntervalMs = options.pollIntervalMs ?? 200;
    this.featureConfirmMs = options.featureConfirmMs ?? 3000;
  }

  async install(change: TargetChange, signal?: AbortSignal): Promise<ChangeResult> {
    return this.apply('install', change, signal);
  }

  async rollback(change: TargetChange, signal?: AbortSignal): Promise<ChangeResult> {
    return this.apply('rollback', change, signal);
  }

  /**
   * Records the switch in the journal, writes features.json, then waits (briefly, without failing)
   * until /health shows it, so a health gate that follows measures the degraded target. A target
   * that is down picks the switch up when it starts.
   */
  async setFeature(change: FeatureChange, signal?: AbortSignal): Promise<FeatureResult> {
    const target = asLocal(change.target);
    if (!featureNameSchema.safeParse(change.feature).success) {
      throw adapterError('ConfigurationError', `cannot switch feature "${change.feature}" on ${target.id}: expected a name such as "new-checkout" (lower-case letters, digits and "-")`);
    }
    const dir = await confinedTargetFolder(target);
    const result = await this.serialized(dir, () => this.setFeatureNow(change, target, dir, signal));
    if (!result.replayed) await this.waitForFeature(target, change.feature, change.enabled, signal);
    return result;
  }

  async probe(target: Target): Promise<HealthProbe> {
    return probeHealth(target.id, joinUrl(asLocal(target).url, '/health'));
  }

  async sample(target: Target): Promise<TargetSample> {
    return sampleMetrics(target.id, joinUrl(asLocal(target).url, '/metrics'));
  }

  /** Every install record (begun counts: it may have switched the target) keyed by the rollout. */
  async installsBy(rolloutId: string, target: Target): Promise<{ from: string | null; to: string; at: string }[]> {
    const local = asLocal(target);
    const prefix = `${rolloutId}/${local.id}/`;
    return (await readJournal(await confinedTargetFolder(local)))
      .filter((r) => r.action === 'install' && r.phase === 'begin' && r.key.startsWith(prefix))
      .map((r) => ({ from: r.from, to: r.to, at: r.at }));
  }

  private async apply(action: 'install' | 'rollback', change: TargetChange, signal?: AbortSignal): Promise<ChangeResult> {
    const target = asLocal(change.target);
    const dir = await confinedTargetFolder(target);
    return this.serialized(dir, () => this.applyNow(action, change, target, dir, signal));
  }

  /** Runs `work` after every change already queued for this target directory. */
  private serialized<T>(dir: string, work: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(dir) ?? Promise.resolve();
    const run = previous.then(work, work);
    const settled = run.catch(() => undefined);
    this.locks.set(dir, settled);
    void settled.then(() => {
      if (this.locks.get(dir) === settled) this.locks.delete(dir);
    });
    return run;
  }

  private async setFeatureNow(change: FeatureChange, target: LocalTarget, dir: string, signal?: AbortSignal): Promise<FeatureResult> {
    const to = `${change.feature}=${change.enabled}`;
    const result = { targetId: target.id, feature: change.feature, enabled: change.enabled };
    const { begun, done } = findChange(await readJournal(dir), change.key);
    const first = begun ?? done;
    if (first && (first.action !== 'feature' || first.to !== to)) {
      throw adapterError('ConfigurationError', `key ${change.key} was used for ${first.action} ${first.to} on ${target.id}; it cannot now mean feature ${to}`);
    }
    if (done) return { ...result, replayed: true };
    signal?.throwIfAborted();

    // Reading the switches first also refuses a broken features.json before anything is recorded.
    const from = begun ? begun.from : `${change.feature}=${(await readFeatures(dir))[change.feature] ?? true}`;
    if (!begun) await appendJournal(dir, { key: change.key, action: 'feature', from, to, at: new Date().toISOString(), phase: 'begin' });
    await writeFeature(dir, change.feature, change.enabled);
    await appendJournal(dir, { key: change.key, action: 'feature', from, to, at: new Date().toISOString(), phase: 'done' });
    return { ...result, replayed: false };
  }

  private async waitForFeature(target: LocalTarget, feature: string, enabled: boolean, signal?: AbortSignal): Promise<boolean> {
    const deadline = Date.now() + this.featureConfirmMs;
    for (;;) {
      signal?.throwIfAborted();
      if ((await readFeatureState(target, feature)) === enabled) return true;
      if (Date.now() >= deadline) return false;
      await sleep(Math.min(this.pollIntervalMs, 100), signal);
    }
  }

  private async applyNow(action: 'install' | 'rollback', change: TargetChange, target: LocalTarget, dir: string, signal?: AbortSignal): Promise<ChangeResult> {
    const { begun, done } = findChange(await readJournal(dir), change.key);
    if (done?.action === 'feature') {
      throw adapterError('ConfigurationError', `key ${change.key} was used for feature ${done.to} on ${target.id}; it cannot now mean ${action} of ${change.version}`);
    }
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
      await requestRestart(target, dir, signal);
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

/** The switch as the running target reports it on /health; undefined when it cannot tell. */
async function readFeatureState(target: LocalTarget, feature: string): Promise<boolean | undefined> {
  try {
    const res = await httpRequest({ url: joinUrl(target.url, '/health'), timeoutMs: 1000 });
    if (res.status !== 200) return undefined;
    const body = JSON.parse(res.text) as { features?: Record<string, unknown> };
    const state = body.features?.[feature];
    // A feature the target does not report is on (no release gates on it, no switch in the file).
    return state === undefined ? true : typeof state === 'boolean' ? state : undefined;
  } catch {
    return undefined;
  }
}

/** `dir`: the target's folder as confinedTargetFolder resolved it (the token is written there). */
async function requestRestart(target: LocalTarget, dir: string, signal?: AbortSignal): Promise<void> {
  const url = joinUrl(target.supervisorUrl, `/targets/${encodeURIComponent(target.id)}/restart`);
  // Read on every restart: a supervisor started again since has a new token.
  const token = await readSupervisorToken(dir);
  if (!token) {
    throw adapterError('ConfigurationError', `cannot restart ${target.id}: no supervisor token at ${supervisorTokenFile(dir)} (is its fleet's supervisor running? "rampart fleet up" starts one)`);
  }
  let res;
  try {
    res = await httpRequest({ url, method: 'POST', timeoutMs: 15_000, signal, headers: { [SUPERVISOR_TOKEN_HEADER]: token } });
  } catch (err) {
    if (signal?.aborted) throw err;
    throw adapterError('SupervisorUnavailable', `cannot reach the fleet supervisor to restart ${target.id}: ${(err as Error).message}`, err);
  }
  if (res.status !== 200) {
    // Not found, or refused our token or request: no retry changes that.
    const kind = [401, 403, 404].includes(res.status) ? 'ConfigurationError' : 'SupervisorUnavailable';
    throw adapterError(kind, `the fleet supervisor refused to restart ${target.id}: HTTP ${res.status} ${res.text.slice(0, 200)}`);
  }
}

function asLocal(target: Target): LocalTarget {
  if (target.adapter !== 'local') throw adapterError('ConfigurationError', `target ${target.id} is a ${target.adapter} target, not a local one`);
  return target;
}
