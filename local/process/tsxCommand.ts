import { pathToFileURL } from 'node:url';

/**
 * Arguments that make `node` run a TypeScript file: `node --import tsx file.ts` (tsx 4 on Node 20).
 * tsx is passed as an absolute file URL so it resolves whatever the child's working directory is.
 */
export function nodeArgsForTs(script: string, args: string[] = []): string[] {
  return ['--import', pathToFileURL(require.resolve('tsx')).href, script, ...args];
}
