import type { Client } from '@temporalio/client';

/** Every run of a workflow id, newest first: follows the continue-as-new chain back to the first run. */
export async function runLengths(client: Client, workflowId: string): Promise<number[]> {
  const lengths: number[] = [];
  let runId: string | undefined;
  for (let i = 0; i < 1_000; i++) {
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    const events = history.events ?? [];
    lengths.push(events.length);
    runId = events[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId ?? undefined;
    if (!runId) return lengths;
  }
  throw new Error(`${workflowId}: more than 1,000 runs`);
}
