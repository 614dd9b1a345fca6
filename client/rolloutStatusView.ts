import { describeFreeze } from '../contract/freeze';
import { describeLessons } from '../domain/lessons';
import { ServiceError } from '@temporalio/client';
import { terminalLine, tty } from '../domain/escape/terminal';
import { FINAL_STATES, type RolloutStatus } from '../domain/rolloutStatus';
import { renderInterruption } from './interruptionView';
import { interruptedStatus, statusFromInput } from './interruptedStatus';
import type { RolloutClient } from './rolloutClient';
import { CLOSED_QUERY_MS, readRecovery, readRolloutInput } from './rolloutExecution';

/**
 * The rollout's status as it really stands. A rollout ended behind Rampart's back (terminated,
 * cancelled, timed out, failed) is shown so, with its last known status beneath, whatever that
 * last status said; otherwise its own answer with the running step's live progress folded in.
 * `listedRunning`: the caller has just seen it running in a list, so it is not described again.
 */
export async function readRolloutStatus(rollouts: RolloutClient, rolloutId: string, options: { listedRunning?: boolean } = {}): Promise<RolloutStatus> {
  // A caller that just listed it running (the portal's poller) spares Temporal the describe.
  const ended = options.listedRunning ? null : await rollouts.interruption(rolloutId);
  if (!ended) return readLiveStatus(rollouts, rolloutId);
  const { client } = rollouts;
  // A closed workflow still answers queries while a worker polls its queue (it replays the history).
  const answered = await client.withDeadline(Date.now() + CLOSED_QUERY_MS, () => readLiveStatus(rollouts, rolloutId, 1)).catch(() => null);
  const lastKnown = answered ?? statusFromInput(await readRolloutInput(client, rolloutId, ended.runId), ended.startedAt);
  const recovery = await readRecovery(client, rolloutId);
  return interruptedStatus(lastKnown, { ...ended.interruption, ...(answered ? {} : { fromInputOnly: true }) }, recovery?.summary ?? null);
}

/**
 * The rollout's own answer with the running step's live progress folded in: the parent workflow
 * learns a step's per-target results when it ends, the step's own workflow knows them now.
 */
async function readLiveStatus(rollouts: RolloutClient, rolloutId: string, attempts?: number): Promise<RolloutStatus> {
  const status = await queryStatus(rollouts, rolloutId, attempts);
  if (FINAL_STATES.includes(status.state) || !status.step) return status;
  const progress = await rollouts.stepProgress(rolloutId, status.step).catch(() => null);
  if (!progress) return status;
  const step = status.steps.find((s) => s.name === progress.step);
  if (step && ['installing', 'baking', 'awaiting_cutover'].includes(step.state)) {
    step.state = progress.state;
    step.lastGate = progress.lastGate;
  }
  for (const target of status.targets) {
    if (progress.installing.includes(target.id)) target.state = 'installing';
    const change = progress.changes.find((c) => c.targetId === target.id);
    if (change && target.state === 'pending') {
      Object.assign(target, { state: 'installed', version: change.version, previousVersion: change.previousVersion });
    }
    if (progress.failures.some((f) => f.targetId === target.id)) target.state = 'failed';
    target.health = progress.health[target.id] ?? target.health;
  }
  return status;
}

/**
 * A query can fail for a moment while the workflow's first task is still being handed to a worker
 * (or a worker restarts): retry briefly rather than failing the on-call engineer's command.
 */
async function queryStatus(rollouts: RolloutClient, rolloutId: string, attempts = 20): Promise<RolloutStatus> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await rollouts.status(rolloutId);
    } catch (err) {
      if (!(err instanceof ServiceError) || attempt >= attempts) throw err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

const pad = (text: string, width: number) => terminalLine(text).padEnd(width);

/** A terminal rendering an on-call engineer can read at a glance. */
export function renderStatus(s: RolloutStatus): string {
  const lines = [
    tty`rollout ${s.rolloutId}  ${s.playbook} (${s.method})  ${s.fromVersion} -> ${s.version}`,
    tty`state ${s.state}  phase ${s.phase}${s.step ? tty`  step ${s.step}` : ''}${s.wave ? tty`  wave ${s.wave.index}/${s.wave.of}` : ''}`,
    tty`started by ${s.startedBy} at ${s.startedAt}${s.endedAt ? tty`, ended ${s.endedAt}` : ''}`,
  ];
  // Change control overridden at the start: shown beside who started it, as long as the rollout is shown.
  for (const e of s.timeline.filter((entry) => entry.event === 'break-glass')) lines.push(tty`BREAK-GLASS by ${e.by ?? '?'} (${e.reason ?? ''}): ${e.detail ?? ''}`);
  // A game day must never be read as a release: said first thing after who started it.
  if (s.drill) lines.push(tty`DRILL (game day, scenario ${s.drill.scenario}): pages marked [DRILL], no customer told, nothing quarantined`);
  if (s.pausedBy) lines.push(tty`paused by ${s.pausedBy}`);
  if (s.frozen) lines.push(...s.frozen.freezes.map((f) => tty`FROZEN before ${s.frozen!.step}: ${describeFreeze(f)}`));
  if (s.awaitingApproval) {
    const a = s.awaitingApproval;
    lines.push(tty`awaiting approval for ${a.step}: ${a.needed} needed${a.approvers ? tty` from ${a.approvers.join(', ')}` : ''}${a.excludeStarter ? ' (not the starter)' : ''}`);
  }
  if (s.pace && (s.pace.bakeFactor !== 1 || s.pace.extraApprovals !== 0)) lines.push(tty`risk ${s.pace.level}: bake times x${s.pace.bakeFactor}, ${s.pace.extraApprovals} more approval(s) at the start`);
  if (s.lessons && s.lessons.reports.length > 0) lines.push(tty`from earlier releases: ${describeLessons(s.lessons)}${s.lessons.extraApproval ? tty`; ${s.lessons.extraApproval}` : ''}`);
  if (s.breaker) lines.push(tty`BREAKER TRIPPED in ${s.breaker.step}: ${s.breaker.reasons.join('; ')}`);
  if (s.outcome) lines.push(tty`outcome ${s.outcome.result}: ${s.outcome.reason}`);
  lines.push(...renderInterruption(s).map(terminalLine));
  lines.push('', 'steps:');
  for (const step of s.steps) {
    const gate = step.lastGate
      ? tty`  gate ${step.lastGate.verdict}: errors ${step.lastGate.candidate.errorRate === null ? 'n/a' : tty`${(step.lastGate.candidate.errorRate * 100).toFixed(1)}%`}, p99 ${step.lastGate.candidate.p99LatencyMs ?? 'n/a'}ms`
      : '';
    lines.push(tty`  ${pad(step.name, 10)} ${pad(step.state, 18)} ${s.targetSummary ? '' : tty`${step.targets.length} target(s)`}${gate}`);
  }
  lines.push('', 'targets:');
  if (s.targetSummary) {
    lines.push(tty`  ${s.targetSummary.total} targets (too many to list): ${counts(s.targetSummary.byVersion)}; ${counts(s.targetSummary.byState)}`);
  }
  for (const t of s.targets) {
    const health = t.health ? (t.health.up ? 'healthy' : 'DOWN') : '-';
    lines.push(tty`  ${pad(t.id, 12)} ${pad(t.version, 12)} ${pad(t.state, 20)} ${pad(health, 8)} ${t.step ?? ''}`);
  }
  if (s.customers) lines.push('', ...renderCustomers(s));
  return lines.join('\n');
}

const counts = (record: Record<string, number | undefined>) => Object.entries(record).map(([k, n]) => `${n} ${k}`).join(', ');

/** Who is waiting and why, and every notice accounted for. */
function renderCustomers(s: RolloutStatus): string[] {
  const n = s.notices;
  const lines = [`customers:${n ? tty`  notices ${n.sent} sent, ${n.held} held, ${n.batched} batched, ${n.suppressed} suppressed, ${n.failed} failed` : ''}`];
  if (s.customerSummary) {
    const { total, byState, byStep } = s.customerSummary;
    lines.push(tty`  ${total} customers (too many to list): ${counts(byState)}; by step ${counts(byStep)}`);
  }
  for (const c of s.customers ?? []) {
    const why = c.waitingFor ?? (c.window ? tty`window ${c.window.label}` : '');
    lines.push(tty`  ${pad(c.id, 12)} ${pad(c.channel, 13)} ${pad(c.state, 19)} ${pad(c.step ?? '-', 8)} ${why}`);
    for (const notice of c.notices.filter((x) => x.outcome !== 'sent')) {
      lines.push(tty`    ${notice.kind} ${notice.outcome}${notice.reason ? tty`: ${notice.reason}` : ''}`);
    }
  }
  if (s.publicIncidents && s.publicIncidents.length > 0) {
    const last = s.publicIncidents.at(-1);
    const affected = last?.affectedCount !== undefined && last.affected.length < last.affectedCount ? tty`${last.affectedCount} customers` : last?.affected.join(', ');
    lines.push(tty`  customer incident ${last?.state}: ${last?.message} (affected: ${affected})`);
  }
  return lines;
}

export function renderTimelineEntry(e: RolloutStatus['timeline'][number]): string {
  const who = e.by ? tty` by ${e.by}` : '';
  const why = e.reason ? tty` (${e.reason})` : '';
  return tty`${e.at}  ${e.event}${who}${why}${e.detail ? tty`: ${e.detail}` : ''}`;
}
