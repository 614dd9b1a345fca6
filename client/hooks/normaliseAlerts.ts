/**
 * Turns validated webhook payloads into AlertEvents: the one shape the incident side opens or
 * joins an incident from, whatever sent the alert.
 */
import { createHash } from 'node:crypto';
import { cleanText } from '../../domain/freeText';
import type { Severity } from '../../domain/incident';
import type { AlertmanagerAlert, AlertmanagerPayload, GenericAlert } from './alertPayloads';

/** Structurally the `AlertEvent` of domain/incidentCommands.ts, narrowed to the webhook sources. */
export interface AlertEvent {
  source: 'alertmanager' | 'webhook';
  severity: Severity;
  summary: string;
  dedupKey: string;
  rolloutId?: string;
  details: Record<string, string>;
  status: 'firing' | 'resolved';
}

/**
 * How an Alertmanager notification becomes events:
 *   'group' (default): one event per notification, dedupKey from groupKey; the group is one problem
 *                      and resolves when Alertmanager says the whole group has.
 *   'alert':           one event per alert, dedupKey from its fingerprint (or alertname + labels).
 */
export type AlertmanagerGrouping = 'group' | 'alert';

const SEVERITY_BY_LABEL: Record<string, Severity> = {
  critical: 'sev1',
  error: 'sev2',
  major: 'sev2',
  warning: 'sev3',
  info: 'sev4',
  sev1: 'sev1',
  sev2: 'sev2',
  sev3: 'sev3',
  sev4: 'sev4',
};

/** Alertmanager's `labels.severity`: critical→sev1, error/major→sev2, warning→sev3, info→sev4, else sev3. */
export function severityFromLabel(label: string | undefined): Severity {
  return SEVERITY_BY_LABEL[label?.trim().toLowerCase() ?? ''] ?? 'sev3';
}

/** Labels that tie an alert to a rollout (rollout_id="r-123"). */
const ROLLOUT_LABELS = ['rollout_id', 'rampart_rollout_id', 'rolloutId'];
const ROLLOUT_ID = /^[A-Za-z0-9._-]{1,128}$/;

const MAX_SUMMARY = 500;
const MAX_KEY = 200;
const MAX_DETAILS = 64;
const MAX_DETAIL_VALUE = 1000;

export function alertmanagerEvents(payload: AlertmanagerPayload, grouping: AlertmanagerGrouping = 'group'): AlertEvent[] {
  return grouping === 'alert' ? payload.alerts.map((alert) => alertEvent(payload, alert)) : [groupEvent(payload)];
}

function groupEvent(payload: AlertmanagerPayload): AlertEvent {
  // The group's severity is its worst alert still firing (or worst alert at all once resolved).
  const relevant = payload.status === 'firing' ? payload.alerts.filter((a) => a.status === 'firing') : payload.alerts;
  const severity = worst((relevant.length > 0 ? relevant : payload.alerts).map((a) => severityFromLabel(a.labels.severity ?? payload.commonLabels.severity)));
  const first = payload.alerts[0]!;
  const base = summaryOf(payload.commonAnnotations, payload.commonLabels) ?? summaryOf(first.annotations, first.labels) ?? 'Alertmanager alert';
  const count = payload.alerts.length + payload.truncatedAlerts;
  const summary = count > 1 ? `${base} (${count} alerts)` : base;
  const details: Record<string, string> = {
    receiver: payload.receiver,
    groupKey: payload.groupKey,
    alerts: String(count),
    firing: String(payload.alerts.filter((a) => a.status === 'firing').length),
  };
  if (payload.externalURL) details.externalURL = payload.externalURL;
  if (first.generatorURL) details.generatorURL = first.generatorURL;
  const fingerprints = payload.alerts.map((a) => a.fingerprint).filter(Boolean);
  if (fingerprints.length > 0) details.fingerprints = fingerprints.join(',');
  addPrefixed(details, 'label.', payload.commonLabels);
  addPrefixed(details, 'annotation.', payload.commonAnnotations);
  return event({
    source: 'alertmanager',
    severity,
    summary,
    dedupKey: boundedKey('alertmanager:', payload.groupKey),
    rolloutId: rolloutIdFrom(payload.commonLabels) ?? payload.alerts.map((a) => rolloutIdFrom(a.labels)).find(Boolean),
    details,
    status: payload.status,
  });
}

function alertEvent(payload: AlertmanagerPayload, alert: AlertmanagerAlert): AlertEvent {
  const identity = alert.fingerprint ?? `${alert.labels.alertname ?? ''}${canonicalLabels(alert.labels)}`;
  const details: Record<string, string> = { receiver: payload.receiver, groupKey: payload.groupKey, startsAt: alert.startsAt };
  if (alert.status === 'resolved') details.endsAt = alert.endsAt;
  if (alert.fingerprint) details.fingerprint = alert.fingerprint;
  if (alert.generatorURL) details.generatorURL = alert.generatorURL;
  if (payload.externalURL) details.externalURL = payload.externalURL;
  addPrefixed(details, 'label.', alert.labels);
  addPrefixed(details, 'annotation.', alert.annotations);
  return event({
    source: 'alertmanager',
    severity: severityFromLabel(alert.labels.severity),
    summary: summaryOf(alert.annotations, alert.labels) ?? 'Alertmanager alert',
    dedupKey: boundedKey('alertmanager:', identity),
    rolloutId: rolloutIdFrom(alert.labels),
    details,
    status: alert.status,
  });
}

export function genericEvent(alert: GenericAlert): AlertEvent {
  return event({
    source: 'webhook',
    severity: alert.severity,
    summary: alert.summary,
    // Without a key, the same summary (for the same rollout) is the same problem.
    dedupKey: alert.dedupKey ?? boundedKey('webhook:', `${alert.rolloutId ?? ''}\n${alert.summary}`, 0),
    rolloutId: alert.rolloutId,
    details: alert.details ?? {},
    status: alert.status,
  });
}

function event(e: Omit<AlertEvent, 'rolloutId'> & { rolloutId: string | undefined }): AlertEvent {
  const { rolloutId, ...rest } = e;
  return { ...rest, summary: truncate(rest.summary, MAX_SUMMARY), ...(rolloutId ? { rolloutId } : {}) };
}

function summaryOf(annotations: Record<string, string>, labels: Record<string, string>): string | undefined {
  // Cleaned here, not only by the event's schema: a summary of nothing but control characters falls back to the next source.
  const text = cleanText(annotations.summary ?? annotations.description ?? labels.alertname ?? '');
  return text ? text : undefined;
}

function rolloutIdFrom(labels: Record<string, string>): string | undefined {
  for (const name of ROLLOUT_LABELS) {
    const value = labels[name];
    if (value && ROLLOUT_ID.test(value)) return value;
  }
  return undefined;
}

function worst(severities: Severity[]): Severity {
  return severities.reduce<Severity>((a, b) => (a < b ? a : b), 'sev4');
}

/** `{a="1",b="2"}` with names sorted, so the same label set always gives the same key. */
function canonicalLabels(labels: Record<string, string>): string {
  const parts = Object.keys(labels).sort().map((k) => `${k}=${JSON.stringify(labels[k])}`);
  return `{${parts.join(',')}}`;
}

/** prefix + text when short enough to read, else prefix + sha256 of it: stable either way. */
function boundedKey(prefix: string, text: string, readableMax = MAX_KEY): string {
  const plain = `${prefix}${text}`;
  if (plain.length <= readableMax) return plain;
  return `${prefix}sha256:${createHash('sha256').update(text).digest('hex')}`;
}

function addPrefixed(details: Record<string, string>, prefix: string, values: Record<string, string>): void {
  for (const [key, value] of Object.entries(values)) {
    if (Object.keys(details).length >= MAX_DETAILS) return;
    details[`${prefix}${key}`] = truncate(value, MAX_DETAIL_VALUE);
  }
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
