import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { CommandArgs } from '../domain/commands';
import type { AlertEvent } from '../domain/incidentCommands';
import type { IncidentStatus } from '../domain/incidentStatus';

export const ackUpdate = defineUpdate<string, [CommandArgs]>('ack');
export const resolveUpdate = defineUpdate<string, [CommandArgs & { rootCause?: string }]>('resolve');
export const escalateUpdate = defineUpdate<string, [CommandArgs]>('escalate');
export const incidentStatusQuery = defineQuery<IncidentStatus>('incidentStatus');
/** A duplicate alert for the same problem joins the open incident. */
export const alertSignal = defineSignal<[AlertEvent]>('alert');
/** Something the rollout did about the incident (contained, rolled back): reported into its thread. */
export const incidentNoteSignal = defineSignal<[{ event: string; detail: string }]>('incidentNote');
