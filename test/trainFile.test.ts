import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chooseRelease, type ChannelCandidate } from '../domain/trainPick';
import { compareVersions } from '../domain/versionOrder';
import { rampart } from './helpers/cli';

/**
 * Train files offline: the shipped examples against the files of the README's session (a fleet of
 * 10 from `fleet up`, artifacts in dist/), the documents checked as `rollout start` checks them,
 * the channel inside the artifact store; and how a run chooses what to ship.
 */
const REPO = path.resolve(__dirname, '..');

describe('schedule validate (offline, the CLI)', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'rampart-trains-'));
  const fleetOf = (internal: number) => JSON.stringify({
    name: 'local',
    version: '1.0.0',
    targets: Array.from({ length: 10 }, (_, i) => ({ id: `t-${String(i + 1).padStart(2, '0')}`, adapter: 'noop', ...(i < internal ? { labels: { ring: 'internal' } } : {}) })),
  });

  before(() => {
    // The demo's layout: playbooks/ beside .rampart/fleet/fleet.json and dist/.
    symlinkSync(path.join(REPO, 'playbooks'), path.join(root, 'playbooks'));
    mkdirSync(path.join(root, '.rampart', 'fleet'), { recursive: true });
    mkdirSync(path.join(root, 'dist'));
    mkdirSync(path.join(root, 'dist', 'drill'));
    writeFileSync(path.join(root, '.rampart', 'fleet', 'fleet.json'), fleetOf(2));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  const validate = (file: string, env: Record<string, string> = {}) => rampart(['schedule', 'validate', file, '--json'], env);
  const train = (name: string) => path.join(root, 'playbooks', 'trains', `${name}.yaml`);

  test('the Patch Tuesday train runs on the second Tuesday at 10:00 New York time; --json is exactly name, timeZone, nextRuns', async () => {
    const out = await validate(train('patch-tuesday'));
    assert.equal(out.code, 0, out.stderr);
    const answer = JSON.parse(out.stdout) as { name: string; timeZone: string; nextRuns: string[] };
    assert.deepEqual(Object.keys(answer), ['name', 'timeZone', 'nextRuns']);
    assert.equal(answer.name, 'patch-tuesday');
    assert.equal(answer.timeZone, 'America/New_York');
    assert.equal(answer.nextRuns.length, 5);
    for (const run of answer.nextRuns) {
      const match = /^(\d{4})-(\d{2})-(\d{2})T10:00:00-0[45]:00$/.exec(run);
      assert.ok(match, run);
      const day = Number(match[3]);
      assert.ok(day >= 8 && day <= 14, `${run} is in the second week`);
      assert.equal(new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, day)).getUTCDay(), 2, `${run} is a Tuesday`);
    }
  });

  test('every shipped train validates against the demo files', async () => {
    for (const name of ['weekly', 'hotfix']) {
      const out = await validate(train(name));
      assert.equal(out.code, 0, `${name}: ${out.stderr}`);
      assert.equal((JSON.parse(out.stdout) as { nextRuns: string[] }).nextRuns.length, 5);
    }
  });

  test('the files a train names are checked as rollout start checks them: a playbook that cannot plan onto the fleet is exit 2', async () => {
    const dir = path.join(root, 'no-ring');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'fleet.json'), fleetOf(0));
    const file = path.join(dir, 'train.yaml');
    writeFileSync(file, ['name: no-ring', `playbook: ${path.join(REPO, 'playbooks', 'routine-release.yaml')}`, 'fleet: fleet.json', `channel: ${path.join(root, 'dist')}`, 'timeZone: UTC', 'cron: ["0 10 * * 2"]'].join('\n'));
    const out = await validate(file);
    assert.equal(out.code, 2, out.stdout);
    assert.match(out.stderr, /routine-release\.yaml: .*dogfood/);
    assert.doesNotMatch(out.stderr, /\n\s+at /, 'no stack trace');
  });

  test('a train can schedule drills: the game-day train validates; a drill with an unknown scenario is exit 2 at its line and column', async () => {
    const out = await validate(train('game-day'));
    assert.equal(out.code, 0, out.stderr);
    const answer = JSON.parse(out.stdout) as { name: string; nextRuns: string[] };
    assert.equal(answer.name, 'game-day');
    for (const run of answer.nextRuns) assert.match(run, /^\d{4}-\d{2}-0[1-7]T14:00:00\+0[12]:00$/, 'first Wednesday, 14:00 Berlin');
    const file = path.join(root, 'bad-drill.yaml');
    writeFileSync(file, ['name: bad-drill', 'playbook: playbooks/demo.yaml', 'fleet: .rampart/fleet/fleet.json', 'channel: dist/drill', 'timeZone: UTC', 'cron: ["@daily"]', 'drill:', '  scenario: meteor'].join('\n'));
    const bad = await validate(file);
    assert.equal(bad.code, 2, bad.stdout);
    assert.match(bad.stderr, /bad-drill\.yaml:8:13: drill\.scenario: expected one of error-rate, latency, crash, nobody-acks/);
    assert.doesNotMatch(bad.stderr, /\n\s+at /, 'no stack trace');
  });

  test('a channel outside the artifact store, or that is no folder, is exit 2 naming it', async () => {
    const outside = await validate(train('patch-tuesday'), { RAMPART_ARTIFACT_STORE: path.join(root, 'elsewhere') });
    assert.equal(outside.code, 2);
    assert.match(outside.stderr, /channel: release channel .*dist is outside the artifact store/);
    const file = path.join(root, 'no-channel.yaml');
    writeFileSync(file, ['name: no-channel', 'playbook: playbooks/routine-release.yaml', 'fleet: .rampart/fleet/fleet.json', 'channel: nowhere', 'timeZone: UTC', 'cron: ["@daily"]'].join('\n'));
    const missing = await validate(file);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /no-channel\.yaml: channel: .*nowhere is not a folder/);
  });
});

describe('what a train run ships', () => {
  const candidate = (version: string): ChannelCandidate => ({ file: `app-${version}.tar.gz`, release: { version, artifactPath: `/c/app-${version}.tar.gz`, sha256: 'a'.repeat(64), notes: 'n' } });

  test('versions order as releases do: 1.10.0 after 1.9.2, a release candidate before its release', () => {
    const sorted = ['1.10.0', '1.2.0-rc1', '1.9.2', '1.2.0', '1.2.0-rc.10', '1.2.0-rc.2'].sort(compareVersions);
    assert.deepEqual(sorted, ['1.2.0-rc.2', '1.2.0-rc.10', '1.2.0-rc1', '1.2.0', '1.9.2', '1.10.0']);
  });

  test('the newest candidate goes out unless the fleet runs it, or runs something newer', () => {
    const channel = [candidate('1.1.0'), candidate('1.10.0'), candidate('1.9.0')];
    assert.deepEqual(chooseRelease(channel, { a: '1.1.0', b: '1.9.0' }), { kind: 'release', release: candidate('1.10.0').release, file: 'app-1.10.0.tar.gz' });
    assert.deepEqual(chooseRelease(channel, { a: '1.10.0', b: null }), { kind: 'release', release: candidate('1.10.0').release, file: 'app-1.10.0.tar.gz' }, 'a target that does not answer gets it too');
    assert.match((chooseRelease(channel, { a: '1.10.0', b: '1.10.0' }) as { reason: string }).reason, /every target of the fleet already runs 1\.10\.0/);
    assert.match((chooseRelease(channel, { a: '2.0.0', b: '1.9.0' }) as { reason: string }).reason, /target a runs 2\.0\.0, newer than 1\.10\.0.*never downgrades/);
    assert.match((chooseRelease([], { a: '1.0.0' }) as { reason: string }).reason, /no verified artifact/);
  });
});
