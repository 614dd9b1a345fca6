/**
 * The quick-start demo (`npm run demo`) as a user runs it: a child process with no stdin and
 * CI=true, its own dev server, Slack and SMTP stand-ins, worker and 10-target fleet in a temp
 * folder. It must end by itself, exit 0, tell the story (1.1.0 completed, 1.2.0 rolled back by the
 * breaker with its reason, the incident that opened escalated, acknowledged and resolved, with one
 * Slack thread and one mail thread), and leave no process behind; interrupted, it must stop
 * everything too.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { signalGroup as killGroup } from '../local/process/pids';
import { nodeArgsForTs } from '../local/process/tsxCommand';
import { isAlive } from '../local/fleet/localFleet';
import { readStackRecord, type DemoStackRecord } from '../local/demo/stackRecord';

const REPO_ROOT = resolve(__dirname, '..');
const DEMO = join(REPO_ROOT, 'local', 'demo', 'demo.ts');
const CHANGE_CONTROL_DEMO = join(REPO_ROOT, 'local', 'demo', 'changeControlDemo.ts');
const dirs: string[] = [];
const children: ChildProcess[] = [];

interface DemoRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
  dir: string;
}

/** Runs the demo in its own process group; `during` may act on it while it runs. Bounded by timeoutMs. */
async function runDemo(args: string[], timeoutMs: number, during?: (child: ChildProcess, output: () => string) => Promise<void>, script = DEMO): Promise<DemoRun> {
  const dir = mkdtempSync(join(tmpdir(), 'rampart-demo-test-'));
  dirs.push(dir);
  const child = spawn(process.execPath, nodeArgsForTs(script, ['--dir', dir, ...args]), {
    cwd: REPO_ROOT,
    env: { ...process.env, CI: 'true', RAMPART_DEMO_TIMEOUT_MS: String(timeoutMs - 30_000) },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  children.push(child);
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => child.once('exit', (code, signal) => done({ code, signal })));
  const watchdog = setTimeout(() => {
    output += `\n[test] the demo ran longer than ${timeoutMs} ms: killing it\n`;
    killGroup(child.pid, 'SIGKILL');
  }, timeoutMs);
  try {
    if (during) await during(child, () => output);
    const { code, signal } = await exited;
    return { code, signal, output, dir };
  } finally {
    clearTimeout(watchdog);
  }
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((done) => {
    const server = net.createServer();
    server.once('error', () => done(false));
    server.listen(port, '127.0.0.1', () => server.close(() => done(true)));
  });
}

/** Processes whose command line names the demo folder: the dev server, the supervisor, the targets. */
function processesNaming(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || !isAlive(Number(entry))) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ');
      if (cmdline.includes(dir)) found.push(`${entry} ${cmdline}`);
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** Everything the demo recorded is gone: its pids, its ports, anything naming its folder, its process group. */
async function assertNothingLeft(run: DemoRun, child: ChildProcess | undefined): Promise<DemoStackRecord> {
  const record = readStackRecord(run.dir);
  assert.ok(record, `the demo wrote no ${join(run.dir, 'stack.json')}`);
  // Exiting processes take a moment to be reaped.
  const deadline = Date.now() + 10_000;
  const pids = () =>
    [
      ['demo', record.demoPid],
      ['Temporal dev server', record.temporal?.pid],
      ['worker', record.worker?.pid],
      ['fleet supervisor', record.fleet?.supervisorPid],
      ['Slack stand-in', record.slack?.pid],
      ['SMTP stand-in', record.smtp?.pid],
    ].filter((entry): entry is [string, number] => typeof entry[1] === 'number' && isAlive(entry[1]));
  // A helper such as tsx's esbuild service exits a moment after its parent: the group gets a moment too.
  const groupAlive = () => killGroup(child?.pid, 0);
  while ((pids().length > 0 || groupAlive()) && Date.now() < deadline) await delay(100);
  assert.deepEqual(pids(), [], 'processes the demo started are still alive');
  assert.deepEqual(processesNaming(run.dir), [], 'processes naming the demo folder are still alive');
  if (groupAlive()) {
    const ps = spawnSync('ps', ['-o', 'pid=,args=', '-g', String(child!.pid)], { encoding: 'utf8' });
    assert.fail(`the demo's process group still has processes:\n${ps.stdout}`);
  }
  const ports = [
    ...(record.temporal ? [Number(record.temporal.address.split(':').pop())] : []),
    ...(record.temporal?.uiUrl ? [Number(new URL(record.temporal.uiUrl).port)] : []),
    ...(record.fleet?.ports ?? []),
    ...(record.slack?.port ? [record.slack.port] : []),
    ...(record.smtp?.port ? [record.smtp.port] : []),
  ];
  for (const port of ports) assert.ok(await portIsFree(port), `port ${port} is still in use`);
  return record;
}

after(async () => {
  for (const child of children) killGroup(child.pid, 'SIGKILL');
  for (const dir of dirs) {
    const record = readStackRecord(dir);
    for (const pid of [record?.worker?.pid, record?.fleet?.supervisorPid, record?.temporal?.pid, record?.slack?.pid, record?.smtp?.pid]) {
      if (pid !== undefined && isAlive(pid)) killGroup(pid, 'SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the demo rolls out a good release, catches a bad one, and leaves nothing running', { timeout: 420_000 }, async (t) => {
  const started = Date.now();
  const run = await runDemo([], 390_000);
  const child = children.at(-1);
  const took = Date.now() - started;
  assert.equal(run.code, 0, `the demo exited with ${run.signal ?? run.code} after ${took} ms:\n${run.output.slice(-6000)}`);

  // It used the real CLI: its streamed output is there.
  assert.match(run.output, /rampart \| .*valid phased playbook "demo"/);
  assert.match(run.output, /rampart \| .*rollout completed: version 1\.1\.0 on all 10 target\(s\)/);
  assert.match(run.output, /\(rampart exited with code 6\)/);
  // The closing summary names the completed release, and the rollback with its reason.
  const summary = run.output.slice(run.output.lastIndexOf('Rampart demo finished'));
  assert.match(summary, /1\.1\.0\s+rollout demo-1\.1\.0-[0-9a-f]+ COMPLETED in (\d+m)?\d+s/);
  assert.match(summary, /version 1\.1\.0 on all 10 target\(s\)/);
  assert.match(summary, /1\.2\.0\s+rollout demo-1\.2\.0-[0-9a-f]+ ROLLED BACK after \d+s: the breaker tripped in (dogfood|canary)/);
  assert.match(summary, /- error rate \d+\.\d% above limit 5\.0%/);
  assert.match(summary, /went back to 1\.1\.0/);
  assert.match(summary, /all 10 targets answer \/health with version 1\.1\.0/);
  assert.match(summary, /customers acme \(canary\), globex \(wave-\d\), umbrella \(wave-\d\): each updated in its own window, told before and after: 6 mails, none twice/);
  assert.match(run.output, /ACME Corp \(early-access, Europe\/Berlin\): updated in canary, window \w{3} \d+ \w{3} \d\d:\d\d/);
  assert.match(run.output, /mail: "Rampart demo app will be updated to 1\.1\.0 on/);
  assert.match(run.output, /mail: "Rampart demo app is now on 1\.1\.0"/);
  assert.match(summary, /Temporal Web UI: http:\/\/127\.0\.0\.1:\d+\/namespaces\/default\/workflows/);
  assert.match(summary, /--keep/);

  // The incident the breaker opened: shown, escalated once, acknowledged and resolved by the senior engineer.
  const rolloutId = /1\.2\.0\s+rollout (demo-1\.2\.0-[0-9a-f]+) ROLLED BACK/.exec(summary)![1]!;
  const incidentId = `inc-${rolloutId}`;
  const part = run.output.slice(run.output.indexOf('[9/10]'), run.output.indexOf('stopping the demo stack'));
  const esc = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const id = esc(incidentId);
  assert.match(part, new RegExp(`the breaker opened ${id} \\(sev2, policy "demo"`));
  assert.match(part, /paged: on-call \(olga\), to acknowledge within 5s; nobody does/);
  assert.match(part, /escalated to senior-engineer \(sam\) \d+\.\ds after the incident opened/);
  assert.match(part, new RegExp(`\\$ bin/rampart incident status ${id}\\n`));
  assert.match(part, new RegExp(`rampart \\| incident ${id}  sev2  open  Breaker tripped in rollout ${esc(rolloutId)}`));
  assert.match(part, /rampart \| .*escalated: tier senior-engineer \(sam\)/);
  assert.match(part, new RegExp(`\\$ bin/rampart incident ack ${id} --by sam`));
  assert.match(part, new RegExp(`rampart \\| acknowledged ${id}; escalation stopped`));
  assert.match(part, new RegExp(`\\$ bin/rampart incident resolve ${id} --by sam .*--root-cause`));
  assert.match(part, new RegExp(`rampart \\| resolved ${id}`));
  // The root cause analysis (its first lines).
  assert.match(part, new RegExp(`rampart \\| # Incident ${id}: Breaker tripped`));
  assert.match(part, /rampart \| - Status: resolved/);
  assert.match(part, /rampart \| \| time to acknowledge \| \d+\.\d min \|/);
  // One Slack thread with its replies, in order: the pages, the acknowledgement, the resolution.
  const slack = /Slack #incidents: one thread, (\d+) replies[^\n]*\n([\s\S]*?)\n  Mail:/.exec(part);
  assert.ok(slack, `no Slack thread in the output:\n${part.slice(-4000)}`);
  assert.ok(Number(slack[1]) >= 4, `only ${slack[1]} Slack replies`);
  const thread = slack[2]!;
  assert.match(thread, new RegExp(`\\[SEV2\\] ${id}: Breaker tripped`), 'the thread header');
  assert.match(thread, /updated in place [1-9]\d* time/);
  const order = [/↳ Paging on-call: <@U0ONCALL1>/, /↳ Paging senior-engineer: <@U0SENIOR1>/, /↳ Acknowledged by sam/, /↳ Resolved by sam/].map((p) => thread.search(p));
  assert.ok(order.every((i) => i >= 0), `a Slack reply is missing:\n${thread}`);
  assert.deepEqual([...order].sort((a, b) => a - b), order, `the Slack replies are out of order:\n${thread}`);
  // The mails: one thread, every later mail In-Reply-To the first.
  const mail = /  Mail: (\d+) message\(s\) in one thread[^\n]*\n([\s\S]*)$/.exec(part);
  assert.ok(mail, `no mail thread in the output:\n${part.slice(-4000)}`);
  const root = `<${incidentId}.opened@rampart>`;
  const mails = mail[2]!.split('\n').filter((l) => /Message-ID/.test(l));
  assert.equal(mails.length, Number(mail[1]));
  assert.ok(mails.length >= 3, `only ${mails.length} mails`);
  assert.match(mails[0]!, new RegExp(`to olga@example\\.com, incidents@example\\.com; Message-ID ${esc(root)}, the thread root`));
  for (const line of mails.slice(1)) assert.match(line, new RegExp(`In-Reply-To ${esc(root)}$`));
  assert.ok(mails.some((l) => /to [^;]*sam@example\.com/.test(l)), 'the senior engineer was mailed');
  assert.match(mail[2]!, /Re: \[SEV2\]/);
  // And the summary tells it in short.
  assert.match(summary, new RegExp(`incident ${id} \\(sev2\\) opened by the breaker: on-call \\(olga\\) did not acknowledge within 5s`));
  assert.match(summary, /escalated to senior-engineer \(sam\) after \d+\.\ds; sam acknowledged it after \d+\.\ds and resolved it after \d+\.\ds/);
  assert.match(summary, /Slack: one thread in #incidents \(its header updated in place \d+x, \d+ replies\)/);
  assert.match(summary, new RegExp(`mail: \\d+ messages in one thread \\(each replying to ${esc(root)}\\)`));

  const record = await assertNothingLeft(run, child);
  assert.ok(record.stoppedAt, 'the demo did not record a clean stop');
  assert.ok(record.slack?.url && record.smtp?.url && record.smtp.storeFile, `the stand-ins are not in stack.json: ${JSON.stringify(record)}`);
  t.diagnostic(`the demo took ${Math.round(took / 1000)} s`);
});

test('an interrupted demo stops everything it started', { timeout: 240_000 }, async () => {
  const run = await runDemo([], 210_000, async (child, output) => {
    // Interrupt once the stand-ins are up, the worker is starting and the fleet is coming up: the most to clean up.
    const deadline = Date.now() + 150_000;
    while (!/\[4\/10\] local fleet/.test(output()) && child.exitCode === null && Date.now() < deadline) await delay(100);
    assert.match(output(), /\[4\/10\] local fleet/, `the demo never got to its fleet:\n${output().slice(-4000)}`);
    process.kill(child.pid!, 'SIGINT');
  });
  assert.equal(run.code, 130, `expected exit 130 after SIGINT, got ${run.signal ?? run.code}:\n${run.output.slice(-4000)}`);
  assert.match(run.output, /SIGINT: stopping everything the demo started/);
  assert.match(run.output, /fleet: local fleet in .* stopped/);
  assert.match(run.output, /Slack stand-in \(pid \d+\) stopped/);
  assert.match(run.output, /SMTP stand-in \(pid \d+\) stopped/);
  const record = await assertNothingLeft(run, children.at(-1));
  assert.ok(record.slack?.pid && record.smtp?.pid, `the stand-ins are not in stack.json: ${JSON.stringify(record)}`);
});

test('bad flags are exit 2 with the usage; --help is exit 0', async () => {
  const bad = await runDemo(['--frobnicate'], 60_000);
  assert.equal(bad.code, 2, bad.output);
  assert.match(bad.output, /usage: npm run demo/);
  const help = await runDemo(['--help'], 60_000);
  assert.equal(help.code, 0, help.output);
  assert.match(help.output, /--keep/);
});

test('the change-control demo: a scheduled run, a freeze holding a wave at its boundary, stop-the-line; nothing left running', { timeout: 360_000 }, async () => {
  const run = await runDemo([], 330_000, undefined, CHANGE_CONTROL_DEMO);
  assert.equal(run.code, 0, run.output.slice(-4000));
  const out = run.output;
  assert.match(out, /rollout train-demo-train-1\.1\.0 started by schedule:demo-train/);
  assert.match(out, /rampart \| state frozen {2}phase wave {2}step wave-1/);
  assert.match(out, /rampart \| FROZEN before wave-2: freeze "quarter-close" \(finance closes the quarter\) until /);
  assert.match(out, /4 target\(s\) still on 1\.0\.0: nothing goes past the boundary while the freeze holds/);
  assert.match(out, /timeline: freeze overridden: break-glass approved by dana for sam/);
  assert.match(out, /rampart \|   stopped demo-line-1\.2\.0/);
  assert.match(out, /rampart \| rampart: start rejected: the line is stopped \(by sam at \S+: payments outage: all hands\)/);
  assert.match(out, /rolled back \(rolled_back\): all 10 targets on 1\.1\.0/);
  await assertNothingLeft(run, children.at(-1));
});
