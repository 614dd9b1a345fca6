/**
 * Everything stays inside its folder (issue 9, class 5): fleet files whose target dirs leave the
 * fleet's root or share a folder, URLs that are not plain http(s), customer webhooks with secrets
 * in them, and rollouts started straight through Temporal with an artifact outside the worker's
 * store, a tarball whose entries leave the release folder, or a manifest of another version. One
 * real 2-target fleet, one in-process worker on the shared dev server, the real CLI.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as tar from 'tar';
import { rolloutWorkflowId } from '../contract/ids';
import { WorkflowType, type RolloutWorkflow } from '../contract/workflowTypes';
import type { RolloutInput } from '../domain/rolloutInput';
import { FINAL_STATES } from '../domain/rolloutStatus';
import { sha256OfFile } from '../local/fleet/artifactBuild';
import { EXIT } from '../client/exitCodes';
import { rampart } from './helpers/cli';
import { FROM_VERSION, RolloutHarness, fastPlaybook } from './helpers/rolloutHarness';

const h = new RolloutHarness();
let playbookFile = '';
let good: { path: string; sha256: string };

before(async () => {
  await h.start({ size: 2, internal: 0 });
  playbookFile = h.writeFile('playbook.json', JSON.stringify(fastPlaybook({ name: 'confine' })));
  good = await h.artifact('1.1.0');
});
/** Folders made outside the harness's own, removed whatever the tests did. */
const strays: string[] = [];
after(async () => {
  for (const dir of strays) rmSync(dir, { recursive: true, force: true });
  await h.stop();
});

/** A fleet file like the harness's, with `change` applied to a copy of its raw form. */
function fleetFile(name: string, change: (fleet: { root: string; targets: Record<string, unknown>[] }) => void): string {
  const fleet = JSON.parse(JSON.stringify(h.fleet.fleet)) as { root: string; targets: Record<string, unknown>[] };
  for (const t of fleet.targets) delete t.root;
  change(fleet);
  return h.writeFile(`${name}.fleet.json`, JSON.stringify(fleet));
}

function assertRefused(result: { code: number | null; stdout: string; stderr: string }, ...parts: string[]): void {
  assert.equal(result.code, EXIT.badInput, `exit ${result.code}: ${result.stderr}${result.stdout}`);
  for (const part of parts) assert.ok(result.stderr.includes(part), `expected "${part}" in: ${result.stderr}`);
  assert.doesNotMatch(result.stderr, /^\s+at /m, 'no stack trace');
  assert.doesNotMatch(result.stdout, /started rollout/);
}

const start = (fleet: string, artifact = good.path, env: Record<string, string> = {}) =>
  rampart(['rollout', 'start', '--playbook', playbookFile, '--fleet', fleet, '--artifact', artifact, '--by', 'alice'], env);

/** A rollout started straight through Temporal, past every check the CLI makes. */
async function startRaw(rolloutId: string, change: Omit<Partial<RolloutInput>, 'release'> & { release?: Partial<RolloutInput['release']> }) {
  const base = h.input(rolloutId, fastPlaybook({ name: 'confine' }), good, '1.1.0');
  const input = { ...base, ...change, release: { ...base.release, ...change.release } } as RolloutInput;
  await h.client.workflow.start<RolloutWorkflow>(WorkflowType.rollout, { taskQueue: h.taskQueue, workflowId: rolloutWorkflowId(rolloutId), args: [input] });
  return h.waitFor(rolloutId, (s) => FINAL_STATES.includes(s.state));
}

async function assertNothingInstalled(): Promise<void> {
  assert.deepEqual(await h.versions(), { 't-01': FROM_VERSION, 't-02': FROM_VERSION });
  assert.deepEqual(await h.journal(), { 't-01': [], 't-02': [] });
}

/** A gzip tarball holding a valid release.json for `version` plus whatever `extra` adds to the folder. */
async function craftedArtifact(name: string, version: string, extra: (work: string) => string[], options: { preservePaths?: boolean } = {}) {
  const base = path.join(h.dir, 'artifacts', name);
  const work = path.join(base, 'work');
  mkdirSync(work, { recursive: true });
  writeFileSync(path.join(work, 'release.json'), JSON.stringify({ version, notes: name, builtAt: new Date().toISOString() }));
  const file = path.join(h.dir, 'artifacts', `${name}.tar.gz`);
  await tar.c({ gzip: true, file, cwd: work, portable: true, preservePaths: options.preservePaths ?? false }, ['release.json', ...extra(work)]);
  const sha256 = await sha256OfFile(file);
  writeFileSync(`${file}.sha256`, `${sha256}  ${path.basename(file)}\n`);
  return { path: file, sha256 };
}

describe('fleet files: target dirs stay below the root, URLs are plain http(s)', () => {
  test('a dir with "../", an absolute dir, a shared or nested dir, a file:// URL and credentials in a URL are each refused with exit 2 naming the field', async () => {
    const cases: [string, (f: { root: string; targets: Record<string, unknown>[] }) => void, string[]][] = [
      ['dotdot', (f) => (f.targets[0]!.dir = 'targets/../../escape'), ['targets[0].dir', '".."']],
      ['absolute', (f) => (f.targets[0]!.dir = '/etc'), ['targets[0].dir', 'not an absolute path']],
      ['shared', (f) => (f.targets[1]!.dir = f.targets[0]!.dir), ['targets[1].dir', 'target t-02', "target t-01's dir"]],
      ['nested', (f) => (f.targets[1]!.dir = `${String(f.targets[0]!.dir)}/inner`), ['targets[1].dir', 'is inside']],
      ['file-url', (f) => (f.targets[0]!.url = 'file:///etc/passwd'), ['targets[0].url', 'http:// or https://']],
      ['credentials', (f) => (f.targets[1]!.supervisorUrl = 'http://admin:hunter2@127.0.0.1:9/'), ['targets[1].supervisorUrl', 'credentials']],
      ['no-root', (f) => delete (f as { root?: string }).root, ['root', 'required with local targets']],
    ];
    for (let i = 0; i < cases.length; i += 3) {
      const batch = cases.slice(i, i + 3);
      const results = await Promise.all(batch.map(([name, change]) => start(fleetFile(name, change))));
      batch.forEach(([, , parts], k) => assertRefused(results[k]!, ...parts));
      for (const result of results) assert.ok(!result.stderr.includes('hunter2'), 'the password is not echoed');
    }
    await assertNothingInstalled();
  });

  test('a customer webhook with user:pass@ or ?api_key= is refused with exit 2: secrets go in secretEnv', async () => {
    const customers = (url: string) => ({
      customers: [{
        id: 'acme', name: 'ACME', targets: ['t-01'], timeZone: 'Europe/Berlin',
        contacts: { webhook: { url, secretEnv: 'ACME_SECRET' } },
        maintenanceWindows: [{ day: 'tue', start: '02:00', duration: '2h' }],
      }],
    });
    const [withUser, withKey, withToken] = await Promise.all([
      rampart(['customers', 'validate', h.writeFile('c1.json', JSON.stringify(customers('https://bob:pw@hooks.acme.example/rampart')))]),
      rampart(['customers', 'validate', h.writeFile('c2.json', JSON.stringify(customers('https://hooks.acme.example/rampart?api_key=abc123')))]),
      rampart(['customers', 'validate', h.writeFile('c3.json', JSON.stringify(customers('https://hooks.acme.example/rampart?team=1&token=abc')))]),
    ]);
    assertRefused(withUser, 'customers[0].contacts.webhook.url', 'credentials', 'secretEnv');
    assertRefused(withKey, 'customers[0].contacts.webhook.url', 'api_key', 'secretEnv');
    assertRefused(withToken, 'customers[0].contacts.webhook.url', 'token', 'secretEnv');
  });
});

describe('artifacts: only from the store, only entries that stay in the release folder, only the version asked for', () => {
  test('rollout start refuses an artifact outside RAMPART_ARTIFACT_STORE (exit 2), and one with a "../" entry or a symlink to /etc, naming the entry', async () => {
    const store = path.join(h.dir, 'store');
    mkdirSync(store, { recursive: true });
    const dotdot = await craftedArtifact('dotdot', '1.1.0', (work) => {
      writeFileSync(path.join(work, '..', 'evil'), 'owned\n');
      return ['../evil'];
    }, { preservePaths: true });
    const link = await craftedArtifact('link', '1.1.0', (work) => {
      symlinkSync('/etc', path.join(work, 'etc'));
      return ['etc'];
    });
    const [outside, evil, linked] = await Promise.all([
      start(h.fleet.fleetFile, good.path, { RAMPART_ARTIFACT_STORE: store }),
      start(h.fleet.fleetFile, dotdot.path),
      start(h.fleet.fleetFile, link.path),
    ]);
    assertRefused(outside, '--artifact', 'outside the artifact store', store);
    assertRefused(evil, '--artifact', 'entry "../evil"', 'outside the release folder');
    assertRefused(linked, '--artifact', 'entry "etc"', 'link to "/etc"');
    await assertNothingInstalled();
  });

  test('started straight through Temporal, an artifactPath of /etc/passwd fails planning with the store reason and no target changes version', async () => {
    const status = await startRaw('confine-etc-passwd', { release: { artifactPath: '/etc/passwd', sha256: '0'.repeat(64), version: '1.1.0', notes: 'x' } });
    assert.equal(status.state, 'failed');
    const reason = JSON.stringify(status.timeline);
    assert.match(reason, /artifact \/etc\/passwd is outside the artifact store/);
    assert.doesNotMatch(reason, /sha256 mismatch/, 'the file was never hashed');
    await assertNothingInstalled();
  });

  test('started straight through Temporal, a tarball with a "../" entry or a symlink out of the tree fails verification naming the entry, and nothing is installed', async () => {
    const dotdot = await craftedArtifact('raw-dotdot', '1.1.0', (work) => {
      writeFileSync(path.join(work, '..', 'evil'), 'owned\n');
      return ['../evil'];
    }, { preservePaths: true });
    const link = await craftedArtifact('raw-link', '1.1.0', (work) => {
      symlinkSync('../../../../etc', path.join(work, 'up'));
      return ['up'];
    });
    // One after the other: each holds the fleet's lease while it plans.
    const a = await startRaw('confine-raw-dotdot', { release: { artifactPath: dotdot.path, sha256: dotdot.sha256 } });
    const b = await startRaw('confine-raw-link', { release: { artifactPath: link.path, sha256: link.sha256 } });
    assert.equal(a.state, 'failed');
    assert.match(JSON.stringify(a.timeline), /artifact verification failed: .*entry \\"..\/evil\\"/);
    assert.equal(b.state, 'failed');
    assert.match(JSON.stringify(b.timeline), /artifact verification failed: .*entry \\"up\\" is a link to/);
    await assertNothingInstalled();
    for (const id of ['t-01', 't-02']) assert.deepEqual(readdirSync(path.join(h.fleet.stateDir, 'targets', id, 'releases')), [FROM_VERSION]);
  });

  test('started straight through Temporal, an artifact whose release.json says another version fails verification naming both versions', async () => {
    const status = await startRaw('confine-version', { release: { version: '9.9.9' } });
    assert.equal(status.state, 'failed');
    assert.match(JSON.stringify(status.timeline), /release.json says version 1\.1\.0, but the rollout asks for 9\.9\.9/);
    await assertNothingInstalled();
  });
});

describe('local target dirs at the worker', () => {
  test('started straight through Temporal with a "../" dir, planning fails naming the field; with a symlink out of the root, the install is refused and nothing is written outside', async () => {
    const outside = path.join(os.tmpdir(), `rampart-confine-outside-${process.pid}`);
    strays.push(outside);
    mkdirSync(outside, { recursive: true });
    symlinkSync(outside, path.join(h.fleet.stateDir, 'escape'));
    const raw = JSON.parse(JSON.stringify(h.fleet.fleet)) as { targets: Record<string, unknown>[] };
    const dotdot = JSON.parse(JSON.stringify(raw)) as typeof raw;
    dotdot.targets[0]!.dir = '../../etc';
    const linked = JSON.parse(JSON.stringify(raw)) as typeof raw;
    linked.targets = [{ ...linked.targets[0]!, dir: 'escape' }];
    const [a, b] = await Promise.all([
      startRaw('confine-dir-dotdot', { fleet: dotdot }),
      startRaw('confine-dir-symlink', { fleet: linked }),
    ]);
    assert.equal(a.state, 'failed');
    assert.match(JSON.stringify(a.timeline), /fleet\.targets\[0\]\.dir: must not contain \\"..\\"/);
    assert.ok(FINAL_STATES.includes(b.state), b.state);
    assert.match(JSON.stringify(b), /target t-01: dir \\"escape\\" leads to .* outside the fleet's root/);
    assert.equal(existsSync(path.join(outside, 'releases')), false, 'nothing was unpacked outside the root');
    await assertNothingInstalled();
  });

  test('started straight through Temporal with a root that is not a fleet folder (no fleet.json naming the target), the install is refused and nothing is written there', async () => {
    const fakeRoot = path.join(os.tmpdir(), `rampart-confine-fake-root-${process.pid}`);
    strays.push(fakeRoot);
    mkdirSync(path.join(fakeRoot, 'targets', 't-01'), { recursive: true });
    const fleet = JSON.parse(JSON.stringify(h.fleet.fleet)) as { root: string; targets: Record<string, unknown>[] };
    fleet.root = fakeRoot;
    fleet.targets = [{ ...fleet.targets[0]!, root: fakeRoot }];
    const status = await startRaw('confine-fake-root', { fleet });
    assert.ok(FINAL_STATES.includes(status.state), status.state);
    assert.match(JSON.stringify(status), /target t-01: dir \\"targets\/t-01\\" is not one of the fleet's: .*fleet.json does not name target t-01/);
    assert.deepEqual(readdirSync(path.join(fakeRoot, 'targets', 't-01')), [], 'nothing was unpacked in the hand-made root');
    await assertNothingInstalled();
  });
});
