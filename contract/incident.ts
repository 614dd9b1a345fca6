import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { z } from 'zod';
import type { IncidentStatus } from '../domain/incidentStatus';
import type { AlertEvent } from './alertEvent';
import type { CommandArgs, ResolveArgs } from './commandArgs';
import { INCIDENT_NOTES } from './timeline';

/** A note's detail longer than this is cut (a rollback's reason can list many targets): cut, not refused, so no note is lost. */
export const INCIDENT_NOTE_DETAIL_MAX = 2_000;

/** What a rollout reports into its incident (incidentNoteSignal). */
export const incidentNoteSchema = z.strictObject({
  event: z.enum(INCIDENT_NOTES, { error: `expected one of ${INCIDENT_NOTES.join(', ')}` }),
  detail: z.string().transform((text) => (text.length > INCIDENT_NOTE_DETAIL_MAX ? `${text.slice(0, INCIDENT_NOTE_DETAIL_MAX - 1)}…` : text)),
});
export type IncidentNoteArgs = z.input<typeof incidentNoteSchema>;

export const ackUpdate = defineUpdate<string, [CommandArgs]>('ack');
export const resolveUpdate = defineUpdate<string, [ResolveArgs]>('resolve');
export const escalateUpdate = defineUpdate<string, [CommandArgs]>('escalate');
export const incidentStatusQuery = defineQuery<IncidentStatus>('incidentStatus');
/** A duplicate alert for the same problem joins the open incident. */
export const alertSignal = defineSignal<[AlertEvent]>('alert');
/** Something the rollout did about the incident (contained, rolled back): reported into its thread. */
export const incidentNoteSignal = defineSignal<[IncidentNoteArgs]>('incidentNote');

/** The responders' commands to an incident, by the verb the CLI gives them. */
export const incidentCommands = {
  ack: ackUpdate,
  escalate: escalateUpdate,
  resolve: resolveUpdate,
} as const;
export type IncidentCommand = keyof typeof incidentCommands;
