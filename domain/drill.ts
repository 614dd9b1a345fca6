import { z } from 'zod';

/**
 * Game days: a rollout marked as a drill rehearses the playbook (the real rollout, breaker and
 * escalation) without anyone mistaking it for a release. Every page it sends says DRILL_TAG first,
 * and customers are never told anything: a drill has no customers, whatever files came with it.
 */
export const DRILL_SCENARIOS = ['error-rate', 'latency', 'crash', 'nobody-acks'] as const;
export type DrillScenario = (typeof DRILL_SCENARIOS)[number];

export const drillScenarioSchema = z.enum(DRILL_SCENARIOS, { error: `expected one of ${DRILL_SCENARIOS.join(', ')}` });

/** The marker a drill rollout (and the incident it opens) carries in its input. */
export const drillMarkerSchema = z.strictObject({ scenario: drillScenarioSchema });
export type DrillMarker = z.infer<typeof drillMarkerSchema>;

/** What starts every Slack text, mail subject and incident summary of a drill. */
export const DRILL_TAG = '[DRILL]';

/** `text` marked as a drill (once: a text already marked is left as it is). */
export function drillText(text: string): string {
  return text.startsWith(DRILL_TAG) ? text : `${DRILL_TAG} ${text}`;
}
