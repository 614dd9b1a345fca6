import { patched, workflowInfo } from '@temporalio/workflow';

/**
 * Temporal warns at 10,240 events and fails a workflow at 51,200 events or 50 MB. The server
 * suggests continue-as-new well before that (4,096 events or 4 MB by default); these bounds are
 * the backstop for a server that never suggests it (the time-skipping test server does not).
 */
export const HANDOVER_AT_EVENTS = 8_000;
export const HANDOVER_AT_BYTES = 8 * 1024 * 1024;

/**
 * True when this run's history has grown long enough to hand over to a fresh run. `patchId` keeps
 * histories of workflows started before the handover existed replaying as they ran.
 */
export function handoverDue(patchId: string): boolean {
  const info = workflowInfo();
  const long = info.continueAsNewSuggested || info.historyLength >= HANDOVER_AT_EVENTS || info.historySize >= HANDOVER_AT_BYTES;
  return long && patched(patchId);
}
