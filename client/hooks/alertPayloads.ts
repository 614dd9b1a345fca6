/**
 * What the alert webhooks accept, as zod schemas: Alertmanager's webhook JSON (version 4), lenient
 * on fields Alertmanager may add, and Rampart's own generic alert, strict.
 * https://prometheus.io/docs/alerting/latest/configuration/#webhook_config
 */
import { z } from 'zod';
import { severitySchema } from '../../domain/incident';
import { freeText, lineText, noteText } from '../../domain/freeText';

export const ALERT_STATUSES = ['firing', 'resolved'] as const;
const alertStatus = z.enum(ALERT_STATUSES, { error: 'expected "firing" or "resolved"' });

/** Label and annotation sets: string to string, as Prometheus writes them. */
const stringMap = (what: string) =>
  z.record(z.string().max(1024, `${what} names are at most 1024 characters`), z.string({ error: `${what} values must be strings` }));
const timestamp = z.iso.datetime({ offset: true, error: 'expected an RFC 3339 timestamp' });

/** One alert of an Alertmanager notification; unknown extra fields are tolerated. */
export const alertmanagerAlertSchema = z.looseObject({
  status: alertStatus,
  labels: stringMap('label'),
  annotations: stringMap('annotation').default({}),
  startsAt: timestamp,
  /** "0001-01-01T00:00:00Z" while firing. */
  endsAt: timestamp,
  generatorURL: z.string().default(''),
  /** Added in Alertmanager 0.19; older senders omit it. */
  fingerprint: z.string().regex(/^[0-9a-f]{1,64}$/, 'expected a hex fingerprint').optional(),
});

/** A whole Alertmanager webhook notification: one alert group. */
export const alertmanagerPayloadSchema = z.looseObject({
  version: z.literal('4', { error: 'expected version "4" (the Alertmanager webhook format this receiver speaks)' }),
  groupKey: z.string().min(1, 'expected a non-empty groupKey'),
  truncatedAlerts: z.number().int().min(0).default(0),
  status: alertStatus,
  receiver: z.string(),
  groupLabels: stringMap('group label'),
  commonLabels: stringMap('common label'),
  commonAnnotations: stringMap('common annotation'),
  externalURL: z.string(),
  alerts: z.array(alertmanagerAlertSchema).min(1, 'expected at least one alert'),
});

export type AlertmanagerAlert = z.output<typeof alertmanagerAlertSchema>;
export type AlertmanagerPayload = z.output<typeof alertmanagerPayloadSchema>;

/** Rampart's own alert format, for scripts and monitoring systems other than Alertmanager. */
export const genericAlertSchema = z.strictObject({
  severity: severitySchema,
  summary: lineText().min(1, 'expected a non-empty summary'),
  /** Same key, same problem: alerts with a key already open join that incident. Default: derived from the summary. */
  dedupKey: freeText(200).min(1).optional(),
  rolloutId: z.string().regex(/^[A-Za-z0-9._-]{1,128}$/, 'expected a rollout id of letters, digits, ".", "_" or "-"').optional(),
  details: z
    .record(z.string().min(1).max(100), noteText())
    .refine((d) => Object.keys(d).length <= 50, 'at most 50 details')
    .optional(),
  /** "resolved" tells an open incident that its source recovered; default "firing". */
  status: alertStatus.default('firing'),
});

export type GenericAlert = z.output<typeof genericAlertSchema>;
