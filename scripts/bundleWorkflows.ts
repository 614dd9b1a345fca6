/**
 * `npm run bundle:workflows [FILE]`: bundles Rampart's workflow code once, for workers started
 * with RAMPART_WORKFLOW_BUNDLE=FILE (default dist/workflow-bundle.js). Build it from the same
 * commit as the workers that load it: a bundle is the workflow code those workers run.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';

async function main(): Promise<void> {
  const out = path.resolve(process.argv[2] ?? 'dist/workflow-bundle.js');
  const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('../workflows') });
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, code);
  console.log(`wrote ${out} (${Math.round(code.length / 1024)} KB); start workers with RAMPART_WORKFLOW_BUNDLE=${out}`);
}

main().catch((err: Error) => {
  console.error(`bundle:workflows: ${err.message}`);
  process.exit(1);
});
