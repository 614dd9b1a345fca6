/**
 * The process helper (local/process/): the pid-recycle guard, ports, stop escalating to SIGKILL,
 * and a leashed command dying with an owner that is killed outright.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { isAlive, isProcessOf, stopPid } from '../local/process/pids';
import { assertPortFree, pickFreePorts, PortInUseError } from '../local/process/ports';
import { ProcessGroup } from '../local/process/processes';
import { nodeArgsForTs } from '../local/process/tsxCommand';

const procs = new ProcessGroup();
const dir = mkdtempSync(join(tmpdir(), 'rampart-processes-test-'));
after(async () => {
  await procs.stopAll();
  rmSync(dir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('the pid-recycle guard accepts a process only when its command line holds every marker', async () => {
  const proc = procs.spawn('sleep', ['301'], { name: 'sleeper' });
  await sleep(100);
  assert.equal(isProcessOf(proc.pid!, ['sleep', '301']), true);
  assert.equal(isProcessOf(proc.pid!, ['sleep', 'supervisor.ts']), false, 'a pid now running something else is not ours');
  await proc.stop();
  assert.equal(isProcessOf(proc.pid!, 'sleep'), false, 'a pid that is gone is not ours');
});

test('free ports are distinct, and a taken port is a clear error', async () => {
  const ports = await pickFreePorts(5);
  assert.equal(new Set(ports).size, 5);
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as net.AddressInfo;
  try {
    await assert.rejects(assertPortFree('127.0.0.1', port), (err: unknown) => err instanceof PortInUseError && /is already in use/.test(err.message));
  } finally {
    server.close();
  }
});

test('stop sends SIGTERM, then SIGKILL to a process that ignores it', async () => {
  const stubborn = procs.spawn(process.execPath, ['-e', "process.on('SIGTERM', () => {}); console.log('up'); setInterval(() => {}, 1000)"], { name: 'stubborn' });
  await stubborn.waitForOutput(/up/, 10_000);
  assert.equal(await stopPid(stubborn.pid!, { timeoutMs: 300 }), 'killed');
  assert.equal(isAlive(stubborn.pid!), false);
  assert.equal(await stopPid(stubborn.pid!), 'not running');
});

test('a leashed command dies with its owner, even when the owner is killed with SIGKILL', async () => {
  const ownerScript = join(dir, 'owner.ts');
  writeFileSync(
    ownerScript,
    `import { spawnProcess } from ${JSON.stringify(join(__dirname, '../local/process/processes'))};
    const child = spawnProcess('sleep', ['302'], { tie: 'leash', name: 'leashed-sleep' });
    setTimeout(() => console.log('leash ' + child.pid), 500);
    setInterval(() => {}, 1000);\n`,
  );
  const owner = procs.spawn(process.execPath, nodeArgsForTs(ownerScript), { name: 'owner', env: { ...process.env, RAMPART_LEASH_GRACE_MS: '1000' } });
  const leash = Number((await owner.waitForOutput(/leash (\d+)/, 30_000))[1]);
  for (let i = 0; i < 50 && !groupHasSleep(leash); i++) await sleep(100);
  assert.ok(groupHasSleep(leash), 'the command runs under its leash');
  process.kill(owner.pid!, 'SIGKILL');
  for (let i = 0; i < 100 && (isAlive(leash) || groupHasSleep(leash)); i++) await sleep(100);
  assert.equal(isAlive(leash), false, 'the leash goes with its owner');
  assert.equal(groupHasSleep(leash), false, 'and takes its command with it');
});

/** Whether a `sleep 302` still runs (not a zombie) in the process group led by pgid. */
function groupHasSleep(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch {
    return false;
  }
  return readdirSync('/proc').some((entry) => {
    if (!/^\d+$/.test(entry)) return false;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return Number(fields[2]) === pgid && readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('302') && fields[0] !== 'Z';
    } catch {
      return false;
    }
  });
}
