/**
 * A throwaway PostgreSQL server for a test: `initdb` into a temp folder, `postgres` on 127.0.0.1
 * at a free port and on a unix socket in that folder, started and stopped through the process
 * helper; never the system service. initdb and postgres refuse to run as root, so as root they
 * run as `nobody` (runuser), the folder chowned to it.
 *
 *   const pgServer = await startPostgres();
 *   after(() => pgServer.stop());
 *   new PgSentLedger({ url: pgServer.url });
 */
import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, realpathSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findFreePort } from '../../local/process/ports';
import { spawnProcess } from '../../local/process/processes';

export interface PostgresServer {
  /** postgres://rampart@127.0.0.1:<port>/postgres */
  url: string;
  /** The same server over its unix socket. */
  socketUrl: string;
  port: number;
  dir: string;
  /** Stops the server and removes its folder. */
  stop(): Promise<void>;
}

/** The folder holding initdb and postgres: PATH first, then Debian's /usr/lib/postgresql/<ver>/bin (newest). */
export function findPostgresBin(): string | undefined {
  const dirs = (process.env.PATH ?? '').split(path.delimiter).filter(Boolean);
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    const versions = readdirSync(debian).sort((a, b) => Number(b) - Number(a));
    dirs.push(...versions.map((v) => path.join(debian, v, 'bin')));
  }
  for (const dir of dirs) {
    const initdb = path.join(dir, 'initdb');
    if (existsSync(initdb) && existsSync(path.join(dir, 'postgres'))) return dir;
    // /usr/local/bin may hold links to initdb and pg_ctl only: follow them to the real folder.
    if (existsSync(initdb)) {
      try {
        const real = path.dirname(realpathSync(initdb));
        if (existsSync(path.join(real, 'postgres'))) return real;
      } catch {
        // a broken link
      }
    }
  }
  return undefined;
}

/** Why a Postgres server cannot be started here, or undefined when it can. */
export function postgresUnavailable(): string | undefined {
  if (!findPostgresBin()) return 'PostgreSQL binaries (initdb, postgres) not found on PATH or in /usr/lib/postgresql/*/bin; install Debian package postgresql';
  if (process.getuid?.() === 0 && spawnSync('runuser', ['--help']).error) return 'running as root without runuser: initdb refuses root';
  return undefined;
}

const asRoot = () => process.getuid?.() === 0;

/** [command, args] that run `file args` as an unprivileged user when we are root. */
function unprivileged(file: string, args: string[]): [string, string[]] {
  return asRoot() ? ['runuser', ['-u', 'nobody', '--', file, ...args]] : [file, args];
}

export async function startPostgres(): Promise<PostgresServer> {
  const bin = findPostgresBin();
  if (!bin) throw new Error(postgresUnavailable());
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rampart-pg-'));
  if (asRoot()) {
    const nobody = spawnSync('id', ['-u', 'nobody'], { encoding: 'utf8' });
    const uid = Number(nobody.stdout.trim());
    chownSync(dir, uid, uid);
  }
  const data = path.join(dir, 'data');
  const [initCmd, initArgs] = unprivileged(path.join(bin, 'initdb'), ['-D', data, '-U', 'rampart', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  const init = spawnSync(initCmd, initArgs, { cwd: dir, encoding: 'utf8' });
  if (init.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed (${init.error?.message ?? `code ${init.status}`}): ${init.stderr}`);
  }
  const port = await findFreePort();
  const [cmd, args] = unprivileged(path.join(bin, 'postgres'), [
    '-D',
    data,
    '-h',
    '127.0.0.1',
    '-p',
    String(port),
    '-k',
    dir,
    '-c',
    'fsync=off',
    '-c',
    'max_connections=50',
  ]);
  const server = spawnProcess(cmd, args, { name: 'postgres', cwd: dir, logFile: path.join(dir, 'postgres.log') });
  try {
    await server.waitUntilReady((out) => (/database system is ready to accept connections/.test(out) ? true : undefined), {
      timeoutMs: 30_000,
      means: 'accept connections',
    });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    url: `postgres://rampart@127.0.0.1:${port}/postgres`,
    socketUrl: `postgres://rampart@${encodeURIComponent(dir)}:${port}/postgres`,
    port,
    dir,
    async stop() {
      // SIGTERM is a smart shutdown: it waits for clients, so close every pool first.
      await server.stop(10_000);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
