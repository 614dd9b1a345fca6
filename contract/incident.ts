import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { IncidentStatus } from '../domain/incidentStatus';
import type { AlertEvent } from './alertEvent';
import type { CommandArgs, ResolveArgs } from './commandArgs';
import type { IncidentNote } from './timeline';

export const ackUpdate = defineUpdate<string, [CommandArgs]>('ack');
export const resolveUpdate = defineUpdate<string, [ResolveArgs]>('resolve');
export const escalateUpdate = defineUpdate<string, [CommandArgs]>('escalate');
export const incidentStatusQuery = defineQuery<IncidentStatus>('incidentStatus');
/** A duplicate alert for the same problem joins the open incident. */
export const alertSignal = defineSignal<[AlertEvent]>('alert');
/** Something the rollout did about the incident (contained, rolled back): reported into its thread. */
export const incidentNoteSignal = defineSignal<[{ event: IncidentNote; detail: string }]>('incidentNote');

/** The responders' commands to an incident, by the verb the CLI gives them. */
export const incidentCommands = {
  ack: ackUpdate,
  escalate: escalateUpdate,
  resolve: resolveUpdate,
} as const;
export type IncidentCommand = keyof typeof incidentCommands;
