import { isAbsolute, relative } from 'node:path';
import { REPO_ROOT } from '../temporal/temporalBinaries';

/** How the demo prints: its numbered steps, the CLI's output indented under them, paths and times. */

/** How many numbered steps the running demo prints, each by `heading` (the quick-start demo: 10). */
let STEPS = 10;
export const setStepCount = (n: number) => {
  STEPS = n;
};
/** What the CLI's own output is prefixed with, under the demo's commands. */
export const CLI_PREFIX = '  rampart | ';

/** When the demo started (this module is loaded first thing). */
export const startedAt = Date.now();
export const say = (line = '') => process.stdout.write(`${line}\n`);
let stepNo = 0;
export const heading = (title: string) => say(`\n[${++stepNo}/${STEPS}] ${title}`);

export function elapsed(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

/** Seconds from one ISO time to another, as "5.1s". */
export function secondsBetween(from: string, to: string | undefined): string {
  return to ? `${((Date.parse(to) - Date.parse(from)) / 1000).toFixed(1)}s` : '?';
}

/** A path as a user would type it from the repository root (where `npm run demo` runs). */
export function show(path: string): string {
  const rel = relative(REPO_ROOT, path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

/** Arguments as a shell would need them typed. */
export const quoted = (args: string[]) => args.map((a) => (/[\s;()<>|&"']/.test(a) ? `"${a.replace(/"/g, '\\"')}"` : a)).join(' ');
