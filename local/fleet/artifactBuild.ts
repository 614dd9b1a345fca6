import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import * as tar from 'tar';
import { describeErrors, parseInput } from '../../domain/issues';
import { featureNameSchema, manifestSchema, type Manifest } from '../../domain/release';

/** The behaviour a test release misbehaves with (see targetServer.ts). */
export type Fault = NonNullable<Manifest['fault']>;

export interface BuildArtifactOptions {
  version: string;
  outDir: string;
  notes?: string;
  fault?: Fault;
}

export interface BuiltArtifact {
  path: string;
  sha256: string;
}

/**
 * Builds OUTDIR/app-<version>.tar.gz (release.json and README.txt at the root) and the matching
 * .sha256 file in sha256sum format. Both files appear atomically (written aside, then renamed),
 * so a reader never sees half an artifact or a digest of another build.
 */
export async function buildArtifact(options: BuildArtifactOptions): Promise<BuiltArtifact> {
  const manifest = parseInput(manifestSchema, {
    version: options.version,
    notes: options.notes ?? `Release ${options.version}`,
    builtAt: new Date().toISOString(),
    ...(options.fault && Object.keys(options.fault).length > 0 ? { fault: options.fault } : {}),
  });
  if (!manifest.ok) throw new Error(`cannot build artifact: ${describeErrors(manifest.errors)}`);

  const outDir = resolve(options.outDir);
  await mkdir(outDir, { recursive: true });
  const name = `app-${manifest.value.version}.tar.gz`;
  const path = join(outDir, name);
  const staging = await mkdtemp(join(tmpdir(), 'rampart-artifact-'));
  try {
    await writeFile(join(staging, 'release.json'), `${JSON.stringify(manifest.value, null, 2)}\n`);
    await writeFile(join(staging, 'README.txt'), readme(manifest.value));
    const partial = `${path}.partial-${process.pid}`;
    await tar.c({ gzip: true, file: partial, cwd: staging, portable: true }, ['release.json', 'README.txt']);
    await rename(partial, path);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }

  const sha256 = await sha256OfFile(path);
  const digestFile = `${path}.sha256`;
  await writeFile(`${digestFile}.partial-${process.pid}`, `${sha256}  ${name}\n`);
  await rename(`${digestFile}.partial-${process.pid}`, digestFile);
  return { path, sha256 };
}

function readme(manifest: Manifest): string {
  const fault = manifest.fault ? `\nInjected fault (for rollout tests): ${JSON.stringify(manifest.fault)}\n` : '';
  return `Rampart demo application ${manifest.version}\nBuilt ${manifest.builtAt}\n\n${manifest.notes}\n${fault}`;
}

export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Reads the digest published beside an artifact (`<artifact>.sha256`, sha256sum format) and
 * checks it names this artifact, so a digest file copied from another build is not trusted.
 */
export async function readSha256File(artifactPath: string): Promise<string> {
  const file = `${artifactPath}.sha256`;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new Error(`no digest file ${file}: build the artifact with Rampart or run "sha256sum ${basename(artifactPath)} > ${basename(file)}"`);
  }
  const line = text.split('\n').find((l) => l.trim() !== '') ?? '';
  const match = /^([0-9a-fA-F]{64}) [ *](.+)$/.exec(line.trim());
  if (!match) throw new Error(`${file}: expected "<64 hex digits>  <file name>" (sha256sum format)`);
  const [, hex = '', named = ''] = match;
  if (basename(named) !== basename(artifactPath)) {
    throw new Error(`${file} is the digest of "${named}", not of "${basename(artifactPath)}"`);
  }
  return hex.toLowerCase();
}

/** The slowest a faulty test release answers: a minute (faultSchema's cap). */
const MAX_FAULT_LATENCY_MS = 60_000;

export type FaultFlagResult = { ok: true; fault: Fault } | { ok: false; error: string };

const FAULT_RULE =
  'expected "error-rate=<0..1>", "latency=<n>ms" (or <n>s, at most 60s), "crash" or "feature=<name>" (error rate and latency then apply only while that feature is on), several joined by ","';

/**
 * Parses the CLI's --fault flag: "error-rate=0.3", "latency=800ms", "crash", or a comma-joined
 * combination such as "error-rate=0.2,latency=300ms". "feature=new-checkout" gates the error rate
 * and latency on that feature being on ("error-rate=0.5,feature=new-checkout"). Never throws: the
 * CLI decides how to report.
 */
export function parseFaultFlag(text: string): FaultFlagResult {
  const fault: Fault = {};
  const parts = text.split(',').map((p) => p.trim());
  for (const part of parts) {
    const fail = (why: string): FaultFlagResult => ({ ok: false, error: `--fault "${text}": ${why}; ${FAULT_RULE}` });
    if (part === '') return fail('empty fault');
    if (part === 'crash') {
      fault.crash = true;
      continue;
    }
    const [key, value = '', ...rest] = part.split('=');
    if (rest.length > 0 || value === '') return fail(`"${part}" is not a known fault`);
    if (key === 'error-rate') {
      const rate = Number(value);
      if (!/^\d*\.?\d+$/.test(value) || rate < 0 || rate > 1) return fail(`error-rate must be a number from 0 to 1, got "${value}"`);
      fault.errorRate = rate;
    } else if (key === 'latency') {
      const match = /^(\d{1,6})(ms|s)$/.exec(value);
      const ms = match ? Number(match[1]) * (match[2] === 's' ? 1000 : 1) : undefined;
      if (ms === undefined || ms > MAX_FAULT_LATENCY_MS) return fail(`latency must be a whole number of ms or s from 0ms to 60s such as "800ms", got "${value}"`);
      fault.latencyMs = ms;
    } else if (key === 'feature') {
      if (!featureNameSchema.safeParse(value).success) {
        return fail(`feature must be a name such as "new-checkout" (lower-case letters, digits and "-", at most 63), got "${value}"`);
      }
      fault.feature = value;
    } else {
      return fail(`"${key}" is not a known fault`);
    }
  }
  if (fault.feature !== undefined && fault.errorRate === undefined && fault.latencyMs === undefined) {
    return { ok: false, error: `--fault "${text}": feature=${fault.feature} gates nothing; add error-rate or latency; ${FAULT_RULE}` };
  }
  return { ok: true, fault };
}
