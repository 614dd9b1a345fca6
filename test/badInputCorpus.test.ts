import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import { WorkflowType } from '../contract/workflowTypes';
import { buildArtifact } from '../local/fleet/artifactBuild';
import { rampart } from './helpers/cli';
import { fastPlaybook } from './helpers/fastPlaybook';
import { devServerAddress, uniqueTaskQueue } from './helpers/temporal';

/**
 * The bad-input corpus (test/fixtures/bad-input/README.md): every file there, and every row of
 * FLAG_CASES below, through the real CLI. Each must exit 2 (or its stated code) with stderr
 * naming the field and the rule, print no stack trace, and start nothing on the dev server.
 */
const CORPUS = path.resolve(__dirname, 'fixtures/bad-input');
/** CLI processes at once: each is a Node process compiling TypeScript; the machine has 2 cores. */
const PARALLEL = 3;

interface Rig {
  tmp: string;
  playbook: string;
  fleet: string;
  artifact: string;
  /** A rollout workflow and an incident workflow that exist (on a task queue no worker serves). */
  rolloutId: string;
  incidentId: string;
}

interface Case {
  name: string;
  args: (rig: Rig) => string[];
  /** Texts stderr must contain: the field (or flag, or file) and the rule. */
  expect: string[];
  exit?: number;
  /** A rollout id the command would have started: no workflow with it may exist afterwards. */
  startedId?: string;
  /** Environment on top of the dev server's address and the test's task queue. */
  env?: Record<string, string>;
  /** Checks after the run (e.g. nothing written). */
  after?: (rig: Rig) => void;
}

/** What a corpus file expects, from its `# expect:` and `# exit:` comment lines. */
function expectationsOf(file: string): { expect: string[]; exit: number } {
  const lines = readFileSync(file, 'utf8').split('\n');
  const expect = lines.flatMap((l) => /^# expect: (.+)$/.exec(l)?.[1] ?? []);
  const exit = Number(lines.flatMap((l) => /^# exit: (\d+)$/.exec(l)?.[1] ?? [])[0] ?? 2);
  assert.ok(expect.length > 0, `${path.relative(CORPUS, file)}: add a "# expect: TEXT" line`);
  return { expect, exit };
}

const COMMAND_OF_FOLDER: Record<string, (file: string, rig: Rig, id: string) => string[]> = {
  playbook: (file) => ['playbook', 'validate', file],
  escalation: (file) => ['escalation', 'validate', file],
  customers: (file) => ['customers', 'validate', file],
  fleet: (file, rig, id) => ['rollout', 'start', '--playbook', rig.playbook, '--fleet', file, '--artifact', rig.artifact, '--id', id],
  train: (file) => ['schedule', 'validate', file],
};

function corpusCases(): Case[] {
  return Object.keys(COMMAND_OF_FOLDER).flatMap((folder) =>
    readdirSync(path.join(CORPUS, folder)).filter((f) => /\.ya?ml$/.test(f)).sort().map((name): Case => {
      const file = path.join(CORPUS, folder, name);
      const id = `bad-${folder}-${name.replace(/\.ya?ml$/, '')}`;
      const { expect, exit } = expectationsOf(file);
      return { name: `${folder}/${name}`, args: (rig) => COMMAND_OF_FOLDER[folder]!(file, rig, id), expect, exit, ...(folder === 'fleet' ? { startedId: id } : {}) };
    }));
}

const fixture = (p: string) => path.join(CORPUS, p);
const inTmp = (rig: Rig, name: string, content: string): string => {
  const file = path.join(rig.tmp, name);
  writeFileSync(file, content);
  return file;
};
const start = (rig: Rig, id: string, extra: string[], files: { playbook?: string; fleet?: string } = {}) =>
  ['rollout', 'start', '--playbook', files.playbook ?? rig.playbook, '--fleet', files.fleet ?? rig.fleet, '--artifact', rig.artifact, '--id', id, ...extra];

/** A playbook whose review date has long passed. */
const overduePlaybook = (rig: Rig): string => inTmp(rig, 'overdue.json', JSON.stringify(fastPlaybook({ review: { approvedBy: 'Dana Reyes', approvedAt: '2020-01-01', reviewBy: '2020-06-01' } })));

/** A playbook under the 1 MiB file cap whose data, aliases expanded, is ~950 KB. */
/** A playbook within every cap, ~690 KB: every text short enough, only the checklist is long. */
function longPlaybook(): string {
  const item = JSON.stringify('x'.repeat(490));
  const p = fastPlaybook();
  return [
    `name: ${p.name as string}`, 'method: phased', 'cadence: ad-hoc',
    'planning:', '  riskAssessment: { level: low, summary: s }', `  preMortem: [${Array(1_400).fill(item).join(', ')}]`, '  successCriteria: [c]',
    `phases: ${JSON.stringify(p.phases)}`, `health: ${JSON.stringify(p.health)}`,
  ].join('\n');
}

/** A small playbook whose aliases expand to ~1.1 MB of data. */
function aliasedPlaybook(): string {
  const p = fastPlaybook();
  return [
    `name: ${p.name as string}`, 'method: phased', 'cadence: ad-hoc',
    `description: &big "${'x'.repeat(95_000)}"`,
    'planning:', '  riskAssessment: { level: low, summary: s }', `  preMortem: [${Array(12).fill('*big').join(', ')}]`, '  successCriteria: [c]',
    `phases: ${JSON.stringify(p.phases)}`, `health: ${JSON.stringify(p.health)}`,
  ].join('\n');
}

/** A fleet under the cap whose labels, aliases expanded, are ~950 KB. */
function aliasedFleet(): string {
  const targets = Array.from({ length: 10 }, (_, i) => `  - { id: t-${String(i + 1).padStart(2, '0')}, adapter: noop, labels: { note: ${i === 0 ? `&note "${'y'.repeat(95_000)}"` : '*note'} } }`);
  return ['name: big-fleet', 'version: 1.0.0', 'targets:', ...targets].join('\n');
}

const FLAG_CASES: Case[] = [
  // Files that are no file, or too big.
  { name: 'playbook validate on a FIFO (used to hang)', args: (rig) => ['playbook', 'validate', path.join(rig.tmp, 'fifo')], expect: ['fifo', 'is not a regular file'] },
  { name: 'playbook validate on /dev/zero (used to read 685 MB)', args: () => ['playbook', 'validate', '/dev/zero'], expect: ['/dev/zero', 'is not a regular file'] },
  { name: 'playbook validate on a folder', args: (rig) => ['playbook', 'validate', rig.tmp], expect: ['is a folder, expected a file'] },
  { name: 'playbook validate on a missing file', args: (rig) => ['playbook', 'validate', path.join(rig.tmp, 'missing.yaml')], expect: ['missing.yaml', 'file not found'] },
  { name: 'a 2 MB playbook', args: (rig) => ['playbook', 'validate', inTmp(rig, 'huge.yaml', `description: "${'z'.repeat(2_000_000)}"\n`)], expect: ['huge.yaml', 'files of this kind may be at most 1048576 bytes'] },
  { name: 'a small playbook whose aliases expand past 1 MiB', args: (rig) => ['playbook', 'validate', inTmp(rig, 'expands.yaml', aliasedPlaybook())], expect: ['expands.yaml', 'as data (aliases expanded); files of this kind may be at most 1048576 bytes'] },
  { name: 'a playbook in broken JSON', args: (rig) => ['playbook', 'validate', inTmp(rig, 'broken.json', '{"name": "x", "method": "phased",')], expect: ['broken.json', 'not valid YAML'] },
  { name: 'escalation validate on a FIFO', args: (rig) => ['escalation', 'validate', path.join(rig.tmp, 'fifo')], expect: ['is not a regular file'] },
  { name: 'customers validate on /dev/zero', args: () => ['customers', 'validate', '/dev/zero'], expect: ['is not a regular file'] },
  // rollout start: what validates is what runs, and nothing starts otherwise.
  { name: 'rollout start with a soak of 10^20 days', args: (rig) => start(rig, 'bad-start-soak', [], { playbook: fixture('playbook/soak-time-huge.yaml') }), expect: ['phases.dogfood.soakTime: expected a duration from 0s to 90d'], startedId: 'bad-start-soak' },
  {
    name: 'rollout start whose playbook names a policy with a 0 s deadline',
    args: (rig) => start(rig, 'bad-start-policy', [], { playbook: inTmp(rig, 'with-policy.json', JSON.stringify(fastPlaybook({ incidents: { policyFile: fixture('escalation/ack-deadline-zero.yaml') } }))) }),
    expect: ['ack-deadline-zero.yaml', 'policies[0].tiers[0].ackDeadline: expected a duration from 1s to 7d'],
    startedId: 'bad-start-policy',
  },
  { name: 'rollout start with a customers file with a 10^20-day window', args: (rig) => start(rig, 'bad-start-customers', ['--customers', fixture('customers/window-huge.yaml')]), expect: ['customers[0].maintenanceWindows[0].duration'], startedId: 'bad-start-customers' },
  {
    name: 'rollout start with an input above the payload limit (two files, each within its cap)',
    args: (rig) => start(rig, 'bad-start-payload', [], { playbook: inTmp(rig, 'long.yaml', longPlaybook()), fleet: inTmp(rig, 'aliased-fleet.yaml', aliasedFleet()) }),
    expect: ['the rollout input', 'bytes as JSON, more than the 1572864 bytes'],
    startedId: 'bad-start-payload',
  },
  { name: 'rollout start --artifact a FIFO', args: (rig) => ['rollout', 'start', '--playbook', rig.playbook, '--fleet', rig.fleet, '--artifact', path.join(rig.tmp, 'fifo'), '--id', 'bad-start-fifo'], expect: ['--artifact:', 'is not a regular file'], startedId: 'bad-start-fifo' },
  { name: 'rollout start --fleet a folder', args: (rig) => start(rig, 'bad-start-fleet-dir', [], { fleet: rig.tmp }), expect: ['is a folder, expected a file'], startedId: 'bad-start-fleet-dir' },
  { name: 'schedule trigger of a train that has no schedule', args: () => ['schedule', 'trigger', 'no-such-train'], expect: ['no train with id "no-such-train"'], exit: 4 },
  { name: 'schedule describe with a bad train name', args: () => ['schedule', 'describe', 'No Such'], expect: ['--train: expected a lower-case name'] },
  { name: 'rollout start --id with a space', args: (rig) => start(rig, 'bad start', []), expect: ['--id: expected letters, digits'] },
  { name: 'rollout start with an unknown flag', args: (rig) => [...start(rig, 'bad-start-flag', []), '--colour', 'red'], expect: ["unknown option '--colour'"], startedId: 'bad-start-flag' },
  // Change control at start: a review past its date, and break-glass flags.
  { name: 'rollout start of a playbook past its review date', args: (rig) => start(rig, 'bad-start-review', [], { playbook: overduePlaybook(rig) }), expect: ['overdue.json: review was due 2020-06-01 (reviewBy); have it reviewed, or start with --break-glass'], startedId: 'bad-start-review' },
  { name: 'rollout start --approver without --break-glass', args: (rig) => start(rig, 'bad-start-approver', ['--approver', 'bob']), expect: ['--approver: only with --break-glass'], startedId: 'bad-start-approver' },
  { name: 'rollout start --break-glass with an approver that is no user name', args: (rig) => start(rig, 'bad-start-bg-name', ['--by', 'alice', '--break-glass', '--reason', 'urgent', '--approver', 'bob smith'], { playbook: overduePlaybook(rig) }), expect: ['--approver: expected a user name'], startedId: 'bad-start-bg-name' },
  { name: 'rollout start --break-glass approved by the requester', args: (rig) => start(rig, 'bad-start-bg-self', ['--by', 'alice', '--break-glass', '--reason', 'urgent', '--approver', 'alice'], { playbook: overduePlaybook(rig) }), expect: ['break-glass refused: the approver (alice) must be someone other than the requester (alice)'], exit: 3, startedId: 'bad-start-bg-self' },
  // Other flags.
  { name: 'fleet up --timeout 2h', args: (rig) => ['fleet', 'up', '--size', '1', '--version', '1.0.0', '--dir', path.join(rig.tmp, 'fleet-a'), '--timeout', '2h'], expect: ['--timeout: expected a duration from 1ms to 1h'] },
  { name: 'fleet up --timeout 10^20 days', args: (rig) => ['fleet', 'up', '--size', '1', '--version', '1.0.0', '--dir', path.join(rig.tmp, 'fleet-b'), '--timeout', '99999999999999999999d'], expect: ['--timeout: expected a duration from 1ms to 1h'] },
  { name: 'fleet up --dir below a file', args: (rig) => ['fleet', 'up', '--size', '1', '--version', '1.0.0', '--dir', path.join(rig.tmp, 'below-file', 'fleet')], expect: ['--dir:', 'below-file is not a folder'] },
  { name: 'fleet up --dir where nothing can be created (Node\'s mkdir -p spun forever)', args: () => ['fleet', 'up', '--size', '1', '--version', '1.0.0', '--dir', '/proc/rampart-bad-input/fleet'], expect: ['--dir: cannot create /proc/rampart-bad-input'] },
  { name: 'server start --dir where nothing can be created', args: () => ['server', 'start', '--dir', '/proc/rampart-bad-input/server', '--port', '1', '--ui-port', '2'], expect: ['--dir: cannot create /proc/rampart-bad-input'] },
  { name: 'server stop --dir a file', args: (rig) => ['server', 'stop', '--dir', path.join(rig.tmp, 'below-file')], expect: ['--dir:', 'below-file is not a folder'] },
  { name: 'artifact build --fault latency of 10^20 s', args: (rig) => ['artifact', 'build', '--version', '1.0.0', '--out', path.join(rig.tmp, 'out-a'), '--fault', 'latency=99999999999999999999s'], expect: ['--fault', 'latency must be a whole number of ms or s from 0ms to 60s'] },
  { name: 'artifact build --fault error-rate=2', args: (rig) => ['artifact', 'build', '--version', '1.0.0', '--out', path.join(rig.tmp, 'out-b'), '--fault', 'error-rate=2'], expect: ['--fault', 'error-rate must be a number from 0 to 1'] },
  {
    name: 'artifact build --out an existing file',
    args: (rig) => ['artifact', 'build', '--version', '1.0.0', '--out', inTmp(rig, 'not-a-folder', 'keep me')],
    expect: ['--out:', 'not-a-folder exists and is not a folder'],
    after: (rig) => assert.equal(readFileSync(path.join(rig.tmp, 'not-a-folder'), 'utf8'), 'keep me', 'the file is left as it was'),
  },
  { name: 'artifact build --out below a file', args: (rig) => ['artifact', 'build', '--version', '1.0.0', '--out', path.join(rig.tmp, 'below-file', 'out')], expect: ['--out:'] },
  { name: 'artifact build --out where nothing can be created', args: () => ['artifact', 'build', '--version', '1.0.0', '--out', '/proc/rampart-bad-input/out'], expect: ['--out: cannot create /proc/rampart-bad-input'] },
  { name: 'customers defer --until 10^8 days from now', args: (rig) => ['customers', 'defer', rig.rolloutId, '--customer', 'acme', '--until', '100000000d'], expect: ['--until: expected a duration from 1s to 365d'] },
  { name: 'incident open --severity sev9', args: () => ['incident', 'open', '--severity', 'sev9', '--summary', 's'], expect: ['--severity: expected one of sev1'] },
  // Ids of the wrong kind: not found, not Temporal's QueryNotRegisteredError.
  { name: 'incident status given a rollout id', args: (rig) => ['incident', 'status', rig.rolloutId], expect: ['no incident with id'], exit: 4 },
  { name: 'incident ack given a rollout id', args: (rig) => ['incident', 'ack', rig.rolloutId, '--by', 'olga'], expect: ['no incident with id'], exit: 4 },
  { name: 'incident report given a rollout id', args: (rig) => ['incident', 'report', rig.rolloutId], expect: ['no incident with id'], exit: 4 },
  { name: 'rollout status given an incident id', args: (rig) => ['rollout', 'status', rig.incidentId], expect: ['no rollout with id'], exit: 4 },
  { name: 'a mistyped TEMPORAL_NAMESPACE', args: () => ['rollout', 'status', 'anything'], env: { TEMPORAL_NAMESPACE: 'no-such-namespace' }, expect: ['TEMPORAL_NAMESPACE: no namespace "no-such-namespace"'] },
  { name: 'rollout pause given an incident id', args: (rig) => ['rollout', 'pause', rig.incidentId, '--by', 'alice'], expect: ['no rollout with id'], exit: 4 },
];

/** Runs `run` on every item, at most `limit` at once. */
async function eachBounded<T>(items: T[], limit: number, run: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(Array.from({ length: limit }, async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await run(item);
  }));
}

describe('bad-input corpus: every file and flag case is exit 2 (or its code), names the field, no stack, starts nothing', () => {
  const taskQueue = uniqueTaskQueue('bad-input');
  const idle = uniqueTaskQueue('bad-input-idle');
  let client: Client;
  let rig: Rig;
  const results = new Map<string, Promise<{ code: number | null; stdout: string; stderr: string }>>();
  const cases = [...corpusCases(), ...FLAG_CASES];

  before(async () => {
    client = new Client({ connection: await Connection.connect({ address: devServerAddress() }) });
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'rampart-bad-input-'));
    execFileSync('mkfifo', [path.join(tmp, 'fifo')]);
    writeFileSync(path.join(tmp, 'below-file'), 'a file, not a folder');
    const artifact = await buildArtifact({ version: '2.0.0', outDir: path.join(tmp, 'artifact') });
    const playbook = path.join(tmp, 'good-playbook.json');
    writeFileSync(playbook, JSON.stringify(fastPlaybook()));
    const fleet = path.join(tmp, 'good-fleet.json');
    writeFileSync(fleet, JSON.stringify({ name: 'bad-input-fleet', version: '1.0.0', targets: [{ id: 't-01', adapter: 'noop' }, { id: 't-02', adapter: 'noop' }] }));
    // A rollout and an incident that exist, on a queue no worker serves: only their type matters.
    const rolloutId = `bad-input-rollout-${taskQueue.slice(-8)}`;
    const incidentId = `inc-bad-input-${taskQueue.slice(-8)}`;
    await client.workflow.start(WorkflowType.rollout, { taskQueue: idle, workflowId: rolloutId, args: [{}] });
    await client.workflow.start(WorkflowType.incident, { taskQueue: idle, workflowId: incidentId, args: [{}] });
    rig = { tmp, playbook, fleet, artifact: artifact.path, rolloutId, incidentId };
    // Every case runs once, a few at a time; the tests below read their results.
    const env = { TEMPORAL_ADDRESS: devServerAddress(), RAMPART_TASK_QUEUE: taskQueue };
    const settled: Record<string, (r: { code: number | null; stdout: string; stderr: string }) => void> = {};
    for (const c of cases) results.set(c.name, new Promise((resolve) => (settled[c.name] = resolve)));
    void eachBounded(cases, PARALLEL, async (c) => settled[c.name]!(await rampart(c.args(rig), { ...env, ...c.env })));
  });

  after(async () => {
    for (const id of [rig.rolloutId, rig.incidentId]) await client.workflow.getHandle(id).terminate('bad-input corpus done').catch(() => undefined);
    await client.connection.close();
  });

  for (const c of cases) {
    test(c.name, async () => {
      const r = await results.get(c.name)!;
      const exit = c.exit ?? 2;
      assert.equal(r.code, exit, `exit ${r.code}, expected ${exit}\nstderr: ${r.stderr}`);
      for (const text of c.expect) assert.ok(r.stderr.includes(text), `stderr names "${text}":\n${r.stderr}`);
      assert.doesNotMatch(r.stderr, /^\s+at /m, `no stack trace:\n${r.stderr}`);
      assert.doesNotMatch(r.stderr, /\b[A-Z][A-Za-z]*Error\b|unexpected failure/, `no error class dump:\n${r.stderr}`);
      assert.doesNotMatch(r.stdout, /started rollout|built /, 'nothing started or built');
      if (c.startedId) {
        await assert.rejects(client.workflow.getHandle(c.startedId).describe(), WorkflowNotFoundError, `no workflow ${c.startedId} was started`);
      }
      c.after?.(rig);
    });
  }

  test('no workflow at all was started on the task queue the CLI used', async () => {
    await Promise.all(cases.map((c) => results.get(c.name)));
    const started = [];
    for await (const wf of client.workflow.list({ query: `TaskQueue = '${taskQueue}'` })) started.push(wf.workflowId);
    assert.deepEqual(started, []);
  });
});
