import { ApplicationFailure, condition, patched, setHandler } from '@temporalio/workflow';
import { describeErrors, parseInput } from '../domain/issues';
import type { IncidentInput, Tier } from '../domain/incident';
import type { IncidentStatus } from '../domain/incidentStatus';
import { escalationPolicySchema } from '../domain/incident';
import { escalationPolicySchemaBeforeLimits } from '../domain/beforeLimits/escalation';
import { ackUpdate, alertSignal, escalateUpdate, incidentNoteSignal, incidentStatusQuery, resolveUpdate } from '../contract/incident';
import { messageArgSchemas as schemas } from '../contract/messageArgs';
import { IncidentTracker } from './incidentTracker';
import { IncidentPager } from './incidentPager';
import { dropReport, handleSignal, parseArg } from './messages';
import { boundedWait, isoNow } from './time';
import { reads } from './activityProxies';
import { isDrill } from './drill';

/**
 * One incident, from detection to resolution: pages the escalation chain tier by tier on durable
 * timers until someone in the paged tier acknowledges, keeps one Slack thread and one mail thread,
 * and ends with the data a blameless retrospective needs.
 */
export async function incidentWorkflow(input: IncidentInput): Promise<IncidentStatus> {
  // A policy it cannot run (a deadline of 0 or of 1e400 days) fails the incident at once, with
  // the reason: thrown as a plain error it would fail every workflow task and page nobody, forever.
  // An incident recorded before the ranges is replayed with the policy schema as it was then.
  const parsedPolicy = parseInput(patched('bounded-input') ? escalationPolicySchema : escalationPolicySchemaBeforeLimits, input.policy);
  if (!parsedPolicy.ok) throw ApplicationFailure.nonRetryable(`escalation policy invalid: ${describeErrors(parsedPolicy.errors)}`, 'InvalidPolicy');
  const policy = parsedPolicy.value;
  const tracker = new IncidentTracker(input, policy.name);
  const status = tracker.status;
  const pager = new IncidentPager(tracker, policy, isDrill(input));
  // A counter, not a flag: a request that lands between two pages must not be reset by the next page.
  let escalationRequests = 0;
  let escalationsServed = 0;
  let servedAndPaged = 0;
  let chainExhausted = false;
  const roster = (): string[] => status.tier?.roster ?? [];
  const answered = () => status.state !== 'open';

  setHandler(incidentStatusQuery, () => status);
  // Anyone can signal an incident straight through Temporal: what breaks its schema is dropped and noted.
  const dropped = dropReport(`incident ${input.incidentId}`, (detail) => tracker.note('message dropped', { detail }));
  handleSignal(alertSignal, schemas.alert, (alert) => {
    if (input.openingAlertId !== undefined && alert.alertId === input.openingAlertId) return;
    if (alert.status === 'resolved') {
      tracker.note('alert resolved at source', { detail: alert.summary });
      return;
    }
    status.duplicateAlerts++;
    tracker.note('duplicate alert joined', { detail: `${alert.source}: ${alert.summary}` });
  }, dropped);
  handleSignal(incidentNoteSignal, schemas.incidentNote, ({ event, detail }) => {
    tracker.note(event, { detail });
    pager.announce(`${event}: ${detail}`);
  }, dropped);
  // Slack's Acknowledge button knows the clicker's Slack user id, not their name.
  const pagedPerson = (who: string) => {
    const tier = status.tier ? policy.tiers[status.tier.index] : undefined;
    return tier?.people.find((p) => p.name === who || p.slack === who);
  };
  setHandler(ackUpdate, (ack) => {
    const by = pagedPerson(ack.by)?.name ?? ack.by;
    status.state = 'acknowledged';
    status.acknowledged = { by, at: isoNow() };
    tracker.note('acknowledged', { by, reason: ack.reason });
    pager.announce(`Acknowledged by ${by}: escalation stopped.`);
    return `acknowledged ${status.incidentId}; escalation stopped`;
  }, {
    validator: (ack) => {
      const { by } = parseArg('command', schemas.ack, ack);
      if (status.state !== 'open') throw new Error(`incident ${status.incidentId} is already ${status.state}`);
      if (!pagedPerson(by)) {
        throw new Error(`${by} is not on the paged tier ${status.tier?.name ?? '(none yet)'} (roster: ${roster().join(', ') || 'none'})`);
      }
    },
  });
  setHandler(escalateUpdate, async (escalation) => {
    const request = ++escalationRequests;
    tracker.note('escalation requested', { by: escalation.by, reason: escalation.reason });
    // Answer once the next tier is paged, so the caller sees who holds the incident now.
    await condition(() => servedAndPaged >= request || chainExhausted || answered());
    if (servedAndPaged >= request) return `escalated ${status.incidentId} to tier ${status.tier?.name} (${roster().join(', ')})`;
    return `${status.incidentId} is already at its last tier ${status.tier?.name}; it stays paged`;
  }, {
    validator: (escalation) => {
      parseArg('command', schemas.escalate, escalation);
      if (status.state !== 'open') throw new Error(`incident ${status.incidentId} is ${status.state}; only an open incident escalates`);
    },
  });
  setHandler(resolveUpdate, (resolution) => {
    status.state = 'resolved';
    status.resolved = { by: resolution.by, at: isoNow(), reason: resolution.reason ?? null };
    if (resolution.rootCause) status.details.rootCause = resolution.rootCause;
    tracker.note('resolved', { by: resolution.by, reason: resolution.reason });
    return `resolved ${status.incidentId}`;
  }, {
    validator: (resolution) => {
      parseArg('command', schemas.resolve, resolution);
      if (status.state === 'resolved') throw new Error(`incident ${status.incidentId} is already resolved`);
    },
  });

  pager.open();
  const tiers = policy.tiers;
  chain: for (let cycle = 1; cycle <= policy.repeat; cycle++) {
    for (let index = cycle === 1 ? policy.startTier : 0; index < tiers.length; index++) {
      const tier = tiers[index] as Tier;
      tracker.page(index, tier, cycle);
      pager.page(index, tier, cycle);
      servedAndPaged = escalationsServed;
      // Bounded: a deadline too large for a timer would fail every task from here on, and nobody would be paged.
      await condition(() => answered() || escalationRequests > escalationsServed, boundedWait(tier.ackDeadline));
      escalationsServed = escalationRequests;
      if (answered()) break chain;
    }
  }
  if (!answered()) {
    chainExhausted = true;
    tracker.nearMiss('escalation-last-tier', `escalation reached the last tier (${tiers.at(-1)?.name}) without an acknowledgement`);
    pager.announce('Escalation chain exhausted: the last tier stays paged until someone acknowledges.');
    await condition(answered);
  }
  if (status.state === 'acknowledged') await condition(() => status.state === 'resolved');
  pager.announce(`Resolved by ${status.resolved?.by}${status.resolved?.reason ? `: ${status.resolved.reason}` : ''}.`);
  await pager.flush();
  const report = await reads.writeIncidentReport(status);
  tracker.note('root cause analysis written', { detail: report.path });
  return status;
}

