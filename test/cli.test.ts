import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { rampart } from './helpers/cli';
import { RolloutHarness, fastPlaybook } from './helpers/rolloutHarness';
import { devServerAddress } from './helpers/temporal';

const PLAYBOOKS = path.resolve(__dirname, '../playbooks');


describe('rampart CLI: playbooks and bad input', () => {
  test('every shipped playbook is valid', async () => {
    for (const file of readdirSync(PLAYBOOKS).filter((f) => f.endsWith('.yaml'))) {
      const r = await rampart(['playbook', 'validate', path.join(PLAYBOOKS, file)]);
      assert.equal(r.code, 0, `${file}: ${r.stderr}`);
      assert.match(r.stdout, /valid (direct|phased|pilot|parallel) playbook/);
    }
  });

  test('an invalid playbook lists every error with line, path and rule, and exits 2', async () => {
    const h = new RolloutHarness();
    const file = h.writeFile('bad.yaml', [
      'name: bad',
      'method: phased',
      'cadence: ad-hoc',
      'planning: { riskAssessment: { level: low, summary: s }, preMortem: [p], successCriteria: [c] }',
      'phases:',
      '  canary:',
      '    size: 1',
      '    bakeTime: soon',
      '  waves:',
      '    - { size: 50%, bakeTime: 1h, colour: red }',
      'health: { errorRate: { max: 0.1 } }',
      'surprise: 1',
    ].join('\n'));
    const r = await rampart(['playbook', 'validate', file]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /bad\.yaml:8:15: phases\.canary\.bakeTime: expected a duration from 0s to 90d, such as "10m"/);
    assert.match(r.stderr, /phases\.waves\[0\]\.colour: unknown key/);
    assert.match(r.stderr, /bad\.yaml:12:\d+: surprise: unknown key/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  });

  test('a security fix without a canary is refused, naming the rule', async () => {
    const h = new RolloutHarness();
    const file = h.writeFile('urgent.yaml', JSON.stringify({ ...fastPlaybook({ cadence: 'security-fix' }), phases: { waves: [{ size: '100%', bakeTime: '1m' }] } }));
    const r = await rampart(['playbook', 'validate', file]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /phases\.canary: a security fix is urgent but never skips the canary/);
  });

  test('malformed flags and unknown commands exit 2 with the flag and its rule', async () => {
    assert.match((await rampart(['fleet', 'up', '--size', '0', '--version', '1.0.0'])).stderr, /--size: expected at least 1 target/);
    assert.equal((await rampart(['fleet', 'up', '--size', 'ten', '--version', '1.0.0'])).code, 2);
    const fault = (await rampart(['artifact', 'build', '--version', '1.0.0', '--out', '/tmp', '--fault', 'explode']));
    assert.equal(fault.code, 2);
    assert.match(fault.stderr, /--fault "explode": "explode" is not a known fault/);
    assert.equal((await rampart(['rollout', 'launch'])).code, 2);
    assert.equal((await rampart(['rollout', 'stop', 'x', '--then', 'shrug'], { TEMPORAL_ADDRESS: '127.0.0.1:1' })).code, 2);
  });

  test('an unreachable Temporal is exit 5 with a hint, not a stack trace', async () => {
    const r = await rampart(['rollout', 'status', 'anything'], { TEMPORAL_ADDRESS: '127.0.0.1:1' });
    assert.equal(r.code, 5);
    assert.match(r.stderr, /cannot connect to Temporal at 127\.0\.0\.1:1/);
    assert.match(r.stderr, /rampart server start/);
  });
});

describe('rampart CLI: rollouts (dev server, real fleet)', () => {
  const h = new RolloutHarness();
  let env: Record<string, string>;
  before(async () => {
    await h.start({ size: 3 });
    env = { TEMPORAL_ADDRESS: devServerAddress(), RAMPART_TASK_QUEUE: h.taskQueue };
  });
  after(async () => h.stop());

  test('unknown rollout id is exit 4', async () => {
    const r = await rampart(['rollout', 'status', 'no-such-rollout'], env);
    assert.equal(r.code, 4);
    assert.match(r.stderr, /no rollout with id "no-such-rollout"/);
  });

  test('bad input to start starts nothing', async () => {
    const artifact = await h.artifact('5.0.0');
    const playbook = h.writeFile('pb.yaml', JSON.stringify(fastPlaybook()));
    const missing = (await rampart(['rollout', 'start', '--playbook', playbook, '--fleet', h.fleet.fleetFile, '--artifact', '/nonexistent.tar.gz', '--id', 'never-1'], env));
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--artifact: \/nonexistent\.tar\.gz: file not found/);
    const badPlaybook = h.writeFile('bad.json', JSON.stringify({ ...fastPlaybook(), method: 'yolo' }));
    const bad = (await rampart(['rollout', 'start', '--playbook', badPlaybook, '--fleet', h.fleet.fleetFile, '--artifact', artifact.path, '--id', 'never-2'], env));
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /method: expected one of direct, phased, pilot, parallel/);
    for (const id of ['never-1', 'never-2']) assert.equal((await rampart(['rollout', 'status', id], env)).code, 4, `${id} was not started`);
    assert.deepEqual(Object.values(await h.versions()), ['1.0.0', '1.0.0', '1.0.0']);
  });

  test('start --json --wait, status --json, and commands on a finished rollout (exit 3)', async () => {
    const artifact = await h.artifact('5.1.0');
    const playbook = h.writeFile('ok.json', JSON.stringify(fastPlaybook()));
    const start = (await rampart(['rollout', 'start', '--playbook', playbook, '--fleet', h.fleet.fleetFile, '--artifact', artifact.path, '--id', 'cli-1', '--by', 'alice', '--json', '--wait'], env));
    assert.equal(start.code, 0, start.stderr);
    const lines = start.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(lines[0].rolloutId, 'cli-1');
    assert.deepEqual(lines.at(-1), { type: 'end', state: 'completed', outcome: { result: 'completed', reason: 'version 5.1.0 on all 3 target(s)' } });
    const status = JSON.parse((await rampart(['rollout', 'status', 'cli-1', '--json'], env)).stdout);
    assert.equal(status.state, 'completed');
    assert.deepEqual(status.targets.map((t: { version: string }) => t.version), ['5.1.0', '5.1.0', '5.1.0']);
    assert.ok(status.targets.every((t: { health: { up: boolean } | null }) => t.health?.up === true));
    assert.equal(status.startedBy, 'alice');
    const stop = (await rampart(['rollout', 'stop', 'cli-1', '--by', 'bob'], env));
    assert.equal(stop.code, 3);
    assert.match(stop.stderr, /stop rejected: rollout cli-1 is completed/);
    const sameId = await rampart(['rollout', 'start', '--playbook', playbook, '--fleet', h.fleet.fleetFile, '--artifact', artifact.path, '--id', 'cli-1'], env);
    assert.equal(sameId.code, 2);
    assert.match(sameId.stderr, /--id: a rollout with id "cli-1" already exists/);
    // The fleet file still says 1.0.0; the targets say 5.1.0, and they are what counts.
    const again = await rampart(['rollout', 'start', '--playbook', playbook, '--fleet', h.fleet.fleetFile, '--artifact', artifact.path, '--id', 'cli-2', '--wait'], env);
    assert.equal(again.code, 6);
    assert.match(again.stdout, /every target already runs 5\.1\.0; nothing to roll out/);
  });
});
