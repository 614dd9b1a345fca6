import { setTimeout as delay } from 'node:timers/promises';
import { planRound } from './campaignRollouts';
import { runRound, type RoundResult } from './campaignRound';
import { TASK_QUEUE, type CampaignStack } from './campaignStack';
import { measureDisruption, type Disruption } from './disruption';
import { checkDeliveries, repeatedDeliveries } from './deliveryChecks';
import { gatherEvidence } from './evidence';
import { seededRandom } from './seededRandom';
import { checkFinalVersions, checkRoundTargets } from './targetChecks';
import { WorkerKiller, type KillRecord } from './workerKiller';

export interface CampaignOptions {
  seed: number;
  /** SIGKILL workers at random moments, a pause of minGapMs..maxGapMs before each, `atLeast` times; null: no worker is killed. */
  workerKills: { minGapMs: number; maxGapMs: number; atLeast: number } | null;
  /** Kill the dev server with SIGKILL while the good rollout's first wave runs, in every round whose number is a multiple of this. */
  serverKillEvery?: number;
  /** How long the dev server stays dead; default 2 s. */
  serverDownMs?: number;
  /** Rounds are run until the kills are done and at least this many rounds ran; default 1. */
  minRounds?: number;
  /** Never more rounds than this; default 20. */
  maxRounds?: number;
  roundTimeoutMs?: number;
  log: (message: string) => void;
}

export interface CampaignReport {
  seed: number;
  rounds: RoundResult[];
  kills: KillRecord[];
  /** Half-second waits of a due kill for a second worker to poll (the last one is never killed). */
  killWaits: number;
  serverKills: number;
  /** What the faults cut into, from the workflows' histories. */
  disruption: Disruption;
  /** Mails and webhooks sent again because a worker was killed mid-send (deliveryChecks.ts, repeatedDeliveries). */
  repeatsAfterKills: string[];
  durationMs: number;
  /** Everything that was wrong, one sentence each: empty when the campaign found nothing. */
  violations: string[];
}

/**
 * The fault campaign: rounds of rollouts (a good release with customers that must complete, a bad
 * one whose canary trips the breaker, rolls back and opens an incident that escalates), while the
 * injector SIGKILLs random workers and restarts them, and/or the dev server is SIGKILLed mid-wave
 * and started again on its SQLite file. Rounds go on until the kills are done; then every round
 * is judged by the targets' and the stand-ins' own records.
 */
export async function runCampaign(stack: CampaignStack, options: CampaignOptions): Promise<CampaignReport> {
  const started = Date.now();
  const random = seededRandom(options.seed);
  const runTag = options.seed.toString(16).padStart(8, '0');
  const killer = options.workerKills ? new WorkerKiller(stack.pool, random, { ...options.workerKills, log: options.log }) : undefined;
  const rounds: RoundResult[] = [];
  const violations: string[] = [];
  let serverKills = 0;
  killer?.start();
  try {
    const minRounds = options.minRounds ?? 1;
    const maxRounds = options.maxRounds ?? 20;
    for (let n = 1; n <= maxRounds; n++) {
      const plan = await planRound(stack, ++stack.rounds, runTag);
      const killServer = options.serverKillEvery !== undefined && plan.round % options.serverKillEvery === 0;
      const midWave = killServer
        ? async () => {
            killer?.pause();
            options.log(`round ${plan.round}: SIGKILL the dev server mid-wave`);
            await stack.killServer();
            serverKills += 1;
            await delay(options.serverDownMs ?? 2_000);
            await stack.restartServer();
            options.log(`round ${plan.round}: dev server started again on the same SQLite file and port`);
            killer?.resume();
          }
        : undefined;
      rounds.push(await runRound(stack, plan, { log: options.log, ...(midWave ? { midWave } : {}), ...(options.roundTimeoutMs ? { timeoutMs: options.roundTimeoutMs } : {}) }));
      if ((!killer || killer.done) && n >= minRounds) break;
    }
  } finally {
    await killer?.stop();
  }

  const evidence = await gatherEvidence(stack, (killer?.kills ?? []).map((k) => k.at));
  const disruption = await measureDisruption(stack.stack.client, TASK_QUEUE, new Date(started - 1_000));
  rounds.forEach((round, i) => violations.push(...checkRoundTargets(round, evidence.targets, { previousEndedAt: rounds[i - 1]?.endedAt, nextStartedAt: rounds[i + 1]?.startedAt })));
  if (rounds.length > 0) violations.push(...checkFinalVersions(rounds.at(-1)!, evidence.targets));
  violations.push(...checkDeliveries(rounds, evidence));
  violations.push(...evidence.unexpectedWorkerExits);
  const kills = killer?.kills ?? [];
  if (options.workerKills && kills.length < options.workerKills.atLeast) violations.push(`only ${kills.length} worker kills in ${rounds.length} rounds, wanted at least ${options.workerKills.atLeast}`);
  const { explained: repeatsAfterKills } = repeatedDeliveries(evidence);
  return { seed: options.seed, rounds, kills, killWaits: killer?.waits ?? 0, serverKills, disruption, repeatsAfterKills, durationMs: Date.now() - started, violations };
}

/** One line per round and the kills, for a test's diagnostics or the bench's JSON. */
export function summarize(report: CampaignReport): Record<string, unknown> {
  return {
    seed: report.seed,
    rounds: report.rounds.length,
    rollouts: report.rounds.length * 2,
    workerKills: report.kills.length,
    killWaits: report.killWaits,
    serverKills: report.serverKills,
    disruption: report.disruption,
    repeatsAfterKills: report.repeatsAfterKills,
    durationMs: report.durationMs,
    roundSeconds: report.rounds.map((r) => Math.round((r.endedAt - r.startedAt) / 1000)),
    violations: report.violations,
  };
}
