import type { DeferArgs } from '../domain/deferral';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { CommandArgs, StopArgs } from '../domain/commands';
import type { RolloutStatus } from '../domain/rolloutStatus';
import type { StepProgress } from '../workflows/stepTypes';

export const pauseUpdate = defineUpdate<string, [CommandArgs]>('pause');
export const resumeUpdate = defineUpdate<string, [CommandArgs]>('resume');
export const approveUpdate = defineUpdate<string, [CommandArgs]>('approve');
export const promoteUpdate = defineUpdate<string, [CommandArgs]>('promote');
export const stopUpdate = defineUpdate<string, [StopArgs]>('stop');
export const rollbackUpdate = defineUpdate<string, [CommandArgs]>('rollback');
/** A customer puts their update off (validated against their allowance); answers with their new schedule. */
export const deferUpdate = defineUpdate<string, [DeferArgs]>('defer');
export const statusQuery = defineQuery<RolloutStatus>('status');

/** Parent to step child: what the on-call engineer asked for, as a whole, so order never matters. */
export interface StepControl {
  paused: boolean;
  halted: boolean;
  promoted: boolean;
}
export const stepControlSignal = defineSignal<[StepControl]>('stepControl');
export const stepProgressQuery = defineQuery<StepProgress>('stepProgress');
