import { patched } from '@temporalio/workflow';

/**
 * Whether this rollout or incident is a drill (domain/drill.ts). Only inputs that carry the
 * marker ask, so histories recorded before drills existed see no patch marker and replay as they
 * ran; the patch guards the drill's own behaviour (marked pages, no customers, no quarantine).
 */
export function isDrill(input: { drill?: unknown }): boolean {
  return input.drill !== undefined && patched('drill');
}
