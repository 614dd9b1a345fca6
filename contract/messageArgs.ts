import type { z } from 'zod';
import { deferArgsSchema } from '../domain/deferral';
import { alertEventSchema } from './alertEvent';
import { admitRolloutSchema, breakerQuarantineSchema, liftLineArgsSchema, quarantineArgsSchema, rolloutEndedSchema, stopTheLineArgsSchema } from './changeControl';
import { commandArgsSchema, resolveArgsSchema, stopArgsSchema } from './commandArgs';
import { addFreezeArgsSchema, freezeCalendarArgsSchema, overrideFreezeArgsSchema, removeFreezeArgsSchema } from './freeze';
import { incidentNoteSchema } from './incident';
import { leaseAnswerSchema, leaseReleaseSchema, leaseRequestSchema } from './lease';
import { stepControlSchema } from './step';

/** customerView's argument: the id of the customer whose portal page asks. */
export const customerViewArgSchema = deferArgsSchema.shape.customerId;

/**
 * The schema of every Signal, Update and Query argument, by message name (null: it takes none).
 * Anyone can send any of them straight through Temporal, so each workflow parses what it gets
 * against this table: a bad Signal is dropped (and noted), a bad Update is refused by its
 * validator, a bad Query fails; none of them changes the workflow. Clients that validate
 * before sending use the same schemas. test/contract.test.ts checks that every message
 * the contract defines is in here.
 */
export const messageArgSchemas = {
  // incident
  alert: alertEventSchema,
  incidentNote: incidentNoteSchema,
  ack: commandArgsSchema,
  escalate: commandArgsSchema,
  resolve: resolveArgsSchema,
  incidentStatus: null,
  // rollout
  pause: commandArgsSchema,
  resume: commandArgsSchema,
  approve: commandArgsSchema,
  promote: commandArgsSchema,
  stop: stopArgsSchema,
  rollback: commandArgsSchema,
  defer: deferArgsSchema,
  status: null,
  customerView: customerViewArgSchema,
  leaseAnswer: leaseAnswerSchema,
  // step
  stepControl: stepControlSchema,
  stepProgress: null,
  // fleet lease
  acquireLease: leaseRequestSchema,
  leaseCheckIn: leaseRequestSchema,
  leaseRelease: leaseReleaseSchema,
  leaseState: null,
  // change control
  quarantine: quarantineArgsSchema,
  unquarantine: quarantineArgsSchema,
  breakerQuarantine: breakerQuarantineSchema,
  changeControlState: null,
  stopTheLine: stopTheLineArgsSchema,
  liftLine: liftLineArgsSchema,
  admitRollout: admitRolloutSchema,
  setFreezeCalendar: freezeCalendarArgsSchema,
  addFreeze: addFreezeArgsSchema,
  removeFreeze: removeFreezeArgsSchema,
  overrideFreeze: overrideFreezeArgsSchema,
  freezeChanged: null,
  rolloutEnded: rolloutEndedSchema,
} as const satisfies Record<string, z.ZodType | null>;
