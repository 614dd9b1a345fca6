import { randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describeErrors, parseInput } from '../../../domain/issues';
import { featureStatesSchema, type FeatureStates } from '../../../domain/release';
import { adapterError } from '../errors';
import { syncDirectory } from './releaseStore';

/**
 * A local target's feature switches: DIR/features.json, e.g. {"new-checkout": false}. A feature
 * the file does not name is on. The adapter replaces the file atomically (written aside, synced,
 * renamed); the running target notices within FeatureSwitches.RECHECK_MS, without a restart.
 */

export const featuresPath = (dir: string) => join(dir, 'features.json');

function parseFeatures(file: string, text: string): FeatureStates {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new Error(`${file} is not valid JSON`);
  }
  const parsed = parseInput(featureStatesSchema, raw);
  if (!parsed.ok) throw new Error(`${file} is invalid: ${describeErrors(parsed.errors)}`);
  return parsed.value;
}

/** The switches as written; {} when the target has no features.json yet. */
export async function readFeatures(dir: string): Promise<FeatureStates> {
  const file = featuresPath(dir);
  const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw err;
  });
  if (text === null) return {};
  try {
    return parseFeatures(file, text);
  } catch (err) {
    throw adapterError('ConfigurationError', `${(err as Error).message}; fix or delete it (every feature is then on)`);
  }
}

/** Sets one switch and replaces features.json in one rename, so a reader sees the old file or the new one. */
export async function writeFeature(dir: string, feature: string, enabled: boolean): Promise<void> {
  const states = { ...(await readFeatures(dir)), [feature]: enabled };
  const file = featuresPath(dir);
  const temp = join(dir, `.features.json.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    const handle = await open(temp, 'w');
    try {
      await handle.writeFile(`${JSON.stringify(states, null, 2)}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
  await syncDirectory(dir);
}

/**
 * The running target's view of features.json. Reading a switch costs at most one stat per
 * RECHECK_MS; the file is parsed again only when it changed (a rename gives it a new inode). A
 * file that cannot be parsed is reported once and the last good switches stay in force.
 */
export class FeatureSwitches {
  static readonly RECHECK_MS = 100;
  private states: FeatureStates = {};
  private signature = '';
  private checkedAt = -Infinity;

  constructor(
    private readonly dir: string,
    private readonly log: (message: string) => void,
  ) {
    this.refresh(true);
  }

  isOn(feature: string): boolean {
    this.refresh();
    return this.states[feature] ?? true;
  }

  /** Every switch the file names, plus `known` features (on unless the file says otherwise). */
  snapshot(known: string[] = []): FeatureStates {
    this.refresh();
    return { ...Object.fromEntries(known.map((f) => [f, true])), ...this.states };
  }

  private refresh(force = false): void {
    const now = performance.now();
    if (!force && now - this.checkedAt < FeatureSwitches.RECHECK_MS) return;
    this.checkedAt = now;
    const file = featuresPath(this.dir);
    let signature = 'absent';
    try {
      const st = statSync(file);
      signature = `${st.ino}:${st.size}:${st.mtimeMs}`;
    } catch {
      // no file: every feature is on
    }
    if (signature === this.signature) return;
    this.signature = signature;
    let next: FeatureStates;
    try {
      next = signature === 'absent' ? {} : parseFeatures(file, readFileSync(file, 'utf8'));
    } catch (err) {
      // ENOENT between stat and read is the file being removed: next check sees it absent.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') next = {};
      else return this.log(`${(err as Error).message}; keeping the previous feature switches`);
    }
    const changed = new Set([...Object.keys(this.states), ...Object.keys(next)]);
    for (const feature of changed) {
      const was = this.states[feature] ?? true;
      const is = next[feature] ?? true;
      if (was !== is) this.log(`feature ${feature} ${is ? 'on' : 'off'}`);
    }
    this.states = next;
  }
}
