/**
 * `rampart worker` is a foreground command: when it goes, however it goes, its worker goes too.
 * Killed with SIGKILL (no handler runs), it must not leave a worker process polling the task queue.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { after, test } from 'node:test';
import { isAlive } from '../local/process/pids';
import { ProcessGroup } from '../local/process/processes';
import { RAMPART_BIN } from './helpers/cli';
import { devServerAddress, uniqueTaskQueue } from './helpers/temporal';

const procs = new ProcessGroup();
after(() => procs.stopAll());

/** Every process descended from pid, found through /proc (parent pids). */
function descendantsOf(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parentOf.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  const found: number[] = [];
  const walk = (parent: number) => {
    for (const [child, ppid] of parentOf) if (ppid === parent && !found.includes(child)) (found.push(child), walk(child));
  };
  walk(pid);
  return found;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('kill -9 on `rampart worker` leaves no worker process behind', async () => {
  const cli = procs.spawn(RAMPART_BIN, ['worker'], {
    name: 'rampart-worker',
    env: { ...process.env, TEMPORAL_ADDRESS: devServerAddress(), RAMPART_TASK_QUEUE: uniqueTaskQueue('worker-kill') },
  });
  await cli.waitForOutput(/polling task queue/, 120_000);
  const cliPid = cli.pid!;
  const workers = descendantsOf(cliPid);
  assert.ok(workers.length > 0, 'the worker runs in a process of its own under the command');
  process.kill(cliPid, 'SIGKILL'); // the command alone, as `kill -9 <pid>` does
  for (let i = 0; i < 300 && workers.some(isAlive); i++) await sleep(100);
  assert.deepEqual(workers.filter(isAlive), [], 'no worker process may outlive a killed `rampart worker`');
});
