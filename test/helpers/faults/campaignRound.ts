import { setTimeout as delay } from 'node:timers/promises';
import { WorkflowFailedError } from '@temporalio/client';
import { readRolloutStatus } from '../../../client/rolloutStatusView';
import { within } from '../../../local/stack/localStack';
import type { IncidentStatus } from '../../../domain/incidentStatus';
import type { RolloutStatus } from '../../../domain/rolloutStatus';
import { SENIOR, type RoundPlan } from './campaignRollouts';
import type { CampaignStack } from './campaignStack';

export interface RoundResult {
  plan: RoundPlan;
  /** ms since the epoch: before the first rollout started / after everything of the round ended. */
  startedAt: number;
  endedAt: number;
  good: RolloutStatus;
  bad: RolloutStatus;
  incident: IncidentStatus;
}

export interface RoundOptions {
  /** Called once, while the good rollout's first wave is under way (the dev server kill). */
  midWave?: () => Promise<void>;
  /** How long the whole round may take; default 6 minutes. */
  timeoutMs?: number;
  log: (message: string) => void;
}

/**
 * Runs one round as an operator would live through it: both rollouts started, the bad one's
 * incident acknowledged by the senior engineer once it has escalated to them and then resolved,
 * and every workflow followed to its end. Faults may strike at any moment, so every call to
 * Temporal here is retried until the round's deadline: a client that gives up on the first
 * "unavailable" would be the flaky part, not Rampart.
 */
export async function runRound(stack: CampaignStack, plan: RoundPlan, options: RoundOptions): Promise<RoundResult> {
  const deadline = Date.now() + (options.timeoutMs ?? 6 * 60_000);
  const retry = <T>(what: string, call: () => Promise<T>) => retryUntil(what, call, deadline);
  const startedAt = Date.now();
  await retry('start the good rollout', () => stack.rollouts.start(plan.good.input).then(() => undefined, ignoreAlreadyStarted));
  await retry('start the bad rollout', () => stack.rollouts.start(plan.bad.input).then(() => undefined, ignoreAlreadyStarted));
  options.log(`round ${plan.round}: started ${plan.good.input.rolloutId} (${plan.good.version}) and ${plan.bad.input.rolloutId} (${plan.bad.version})`);

  const midWave = options.midWave ? whenFirstWaveRuns(stack, plan.good.input.rolloutId, deadline).then(options.midWave) : Promise.resolve();
  const [good, bad, incident] = await Promise.all([
    retry(`follow ${plan.good.input.rolloutId}`, () => stack.rollouts.handle(plan.good.input.rolloutId).result() as Promise<RolloutStatus>),
    retry(`follow ${plan.bad.input.rolloutId}`, () => stack.rollouts.handle(plan.bad.input.rolloutId).result() as Promise<RolloutStatus>),
    handleIncident(stack, plan.bad.incidentId, deadline),
    midWave,
  ]);
  options.log(`round ${plan.round}: ${good.rolloutId} ${good.state}, ${bad.rolloutId} ${bad.state}, ${incident.incidentId} ${incident.state} (${Math.round((Date.now() - startedAt) / 1000)} s)`);
  return { plan, startedAt, endedAt: Date.now(), good, bad, incident };
}

/** The senior engineer acknowledges once the incident has escalated to them, then resolves it. */
async function handleIncident(stack: CampaignStack, incidentId: string, deadline: number): Promise<IncidentStatus> {
  const retry = <T>(what: string, call: () => Promise<T>) => retryUntil(what, call, deadline);
  for (;;) {
    const status = await stack.incidents.status(incidentId).catch(() => undefined);
    if (status?.tier?.name === 'senior') break;
    if (Date.now() > deadline) throw new Error(`${incidentId} never escalated to the senior tier (last: ${status ? `${status.state}, tier ${status.tier?.name}` : 'not found'})`);
    await delay(1_000);
  }
  // An answer lost to a kill leaves the command done: "already acknowledged" by sam is success.
  await retry(`acknowledge ${incidentId}`, async () => {
    const acked = await stack.incidents.ack(incidentId, { by: SENIOR, reason: 'looking into it' }).catch(async (err: Error) => {
      if ((await stack.incidents.status(incidentId)).acknowledged?.by === SENIOR) return 'acknowledged';
      throw err;
    });
    return acked;
  });
  await retry(`resolve ${incidentId}`, async () => {
    await stack.incidents.resolve(incidentId, { by: SENIOR, reason: 'the breaker rolled the canary back' }).catch(async (err: Error) => {
      if ((await stack.incidents.status(incidentId).catch(() => undefined))?.state === 'resolved') return 'resolved';
      if (/already resolved/.test(err.message)) return 'resolved';
      throw err;
    });
  });
  return retry(`follow ${incidentId}`, () => stack.incidents.handle(incidentId).result() as Promise<IncidentStatus>);
}

/** Resolves once the rollout's current step is its first wave. */
async function whenFirstWaveRuns(stack: CampaignStack, rolloutId: string, deadline: number): Promise<void> {
  for (;;) {
    const status = await readRolloutStatus(stack.rollouts, rolloutId).catch(() => undefined);
    if (status?.step === 'wave-1') return;
    if (status && ['completed', 'rolled_back', 'failed'].includes(status.state)) throw new Error(`${rolloutId} ended (${status.state}) before its first wave was seen running`);
    if (Date.now() > deadline) throw new Error(`${rolloutId} never reached its first wave`);
    await delay(200);
  }
}

function ignoreAlreadyStarted(err: Error): void {
  // A start whose answer was lost to a fault went through: the second try finds the rollout there.
  if (err.name !== 'AlreadyExistsError') throw err;
}

/**
 * Calls until it answers: a workflow's own failure is an answer (thrown at once); anything else
 * (server unavailable, a query timing out while its worker was killed) is tried again.
 */
async function retryUntil<T>(what: string, call: () => Promise<T>, deadline: number): Promise<T> {
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      // A long poll must not outlive the round: `within` ends the wait at the deadline.
      return await within(call(), Math.max(1, deadline - Date.now()), what);
    } catch (err) {
      if (err instanceof WorkflowFailedError) throw err;
      last = err;
      await delay(1_000);
    }
  }
  throw new Error(`could not ${what} before the round's deadline: ${(last as Error | undefined)?.message ?? 'no answer'}`);
}
