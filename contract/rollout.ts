import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { DeferArgs } from '../domain/deferral';
import type { RolloutStatus } from '../domain/rolloutStatus';
import type { CommandArgs, StopArgs } from './commandArgs';

export const pauseUpdate = defineUpdate<string, [CommandArgs]>('pause');
export const resumeUpdate = defineUpdate<string, [CommandArgs]>('resume');
export const approveUpdate = defineUpdate<string, [CommandArgs]>('approve');
export const promoteUpdate = defineUpdate<string, [CommandArgs]>('promote');
export const stopUpdate = defineUpdate<string, [StopArgs]>('stop');
export const rollbackUpdate = defineUpdate<string, [CommandArgs]>('rollback');
/** A customer puts their update off (validated against their allowance); answers with their new schedule. */
export const deferUpdate = defineUpdate<string, [DeferArgs]>('defer');
export const statusQuery = defineQuery<RolloutStatus>('status');
/**
 * The status as one customer's portal page needs it: their own record in `customers` (empty when
 * the rollout does not concern them) and their part of each incident update. Small at any size.
 */
export const customerViewQuery = defineQuery<RolloutStatus, [string]>('customerView');

/** The on-call engineer's commands to a rollout, by the verb the CLI gives them. */
export const rolloutCommands = {
  pause: pauseUpdate,
  resume: resumeUpdate,
  approve: approveUpdate,
  promote: promoteUpdate,
  stop: stopUpdate,
  rollback: rollbackUpdate,
} as const;
export type RolloutCommand = keyof typeof rolloutCommands;
