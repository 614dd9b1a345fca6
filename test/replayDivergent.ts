import { startChild } from '@temporalio/workflow';

/**
 * Workflows of the registered names that issue other commands than Rampart's: what a change
 * without patched() looks like to a running workflow. test/replay.test.ts bundles this file to
 * prove that replaying a recorded history on changed code fails.
 */
export async function stepWorkflow(): Promise<void> {
  await startChild('replayDivergentChild', { workflowId: 'replay-divergent-child' });
}

export async function incidentWorkflow(): Promise<void> {
  await startChild('replayDivergentChild', { workflowId: 'replay-divergent-child' });
}
