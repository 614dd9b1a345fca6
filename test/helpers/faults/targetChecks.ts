import type { JournalRecord } from '../../../activities/adapters/local/installJournal';
import { BASE_VERSION } from './campaignStack';
import type { RoundResult } from './campaignRound';
import type { TargetEvidence } from './evidence';

/**
 * What every round must have left on the targets, judged from the targets' own records: each
 * rollout in its right end state, every change made once (install journal), every switch lived
 * through once (the target's boot log), and each fleet serving what it should.
 * Returns one sentence per violation; none means the round was right.
 */
export function checkRoundTargets(result: RoundResult, targets: TargetEvidence[], neighbours: { previousEndedAt?: number; nextStartedAt?: number } = {}): string[] {
  const violations: string[] = [];
  const { good, bad, incident, plan } = result;
  const goodId = plan.good.input.rolloutId;
  const badId = plan.bad.input.rolloutId;

  if (good.state !== 'completed') violations.push(`${goodId} ended ${good.state}, not completed: ${good.outcome?.reason ?? 'no reason'}`);
  if (bad.state !== 'rolled_back') violations.push(`${badId} ended ${bad.state}, not rolled_back: ${bad.outcome?.reason ?? 'no reason'}`);
  else if (bad.breaker?.step !== 'canary') violations.push(`${badId} tripped its breaker in ${bad.breaker?.step ?? 'no step'}, not in the canary`);
  const unverified = bad.targets.filter((t) => t.state === 'rollback_unverified').map((t) => t.id);
  if (unverified.length > 0) violations.push(`${badId} could not verify the rollback of ${unverified.join(', ')}`);

  if (incident.state !== 'resolved') violations.push(`${incident.incidentId} is ${incident.state}, not resolved`);
  if (incident.acknowledged?.by !== 'sam') violations.push(`${incident.incidentId} acknowledged by ${incident.acknowledged?.by ?? 'nobody'}, not sam`);
  const pages = incident.timeline.filter((e) => e.event === 'paged' || e.event === 'escalated').map((e) => `${e.event} ${e.detail?.split(' (')[0]}`);
  if (pages.join(' | ') !== 'paged tier on-call | escalated tier senior') violations.push(`${incident.incidentId} paged [${pages.join(' | ')}], expected on-call once, then senior once`);

  // A second of slack either side, but never into the round before or after: a target boots in
  // about 0.1 s, so the next round's first install can come up within a second of this one's end.
  const from = Math.max(result.startedAt - 1_000, neighbours.previousEndedAt ?? -Infinity);
  const to = Math.min(result.endedAt + 1_000, neighbours.nextStartedAt ?? Infinity);
  const inRound = (at: string) => Date.parse(at) >= from && Date.parse(at) <= to;
  for (const target of targets) {
    const name = `${target.fleet} fleet ${target.targetId}`;
    const rolloutId = target.fleet === 'good' ? goodId : badId;
    const records = target.journal.filter((r) => r.key.startsWith(`${rolloutId}/`));
    violations.push(...changedOnce(name, records));
    const installs = records.filter((r) => r.phase === 'done' && r.action === 'install');
    const rollbacks = records.filter((r) => r.phase === 'done' && r.action === 'rollback');
    const boots = target.boots.filter((b) => inRound(b.at)).map((b) => b.version);
    if (target.fleet === 'good') {
      if (installs.length !== 1 || installs[0]!.to !== plan.good.version) violations.push(`${name}: ${goodId} installed [${installs.map((r) => r.to).join(', ')}], expected ${plan.good.version} once`);
      if (rollbacks.length > 0) violations.push(`${name}: ${goodId} rolled back ${rollbacks.length} time(s) though it completed`);
      if (boots.join(' ') !== plan.good.version) violations.push(`${name} booted [${boots.join(', ')}] during round ${plan.round}, expected ${plan.good.version} once`);
    } else {
      const canary = bad.steps.find((s) => s.name === 'canary')?.targets ?? [];
      if (installs.length > 0 && !canary.includes(target.targetId)) violations.push(`${name}: ${badId} installed it although it is not in the canary`);
      if (installs.length > 1) violations.push(`${name}: ${badId} installed it ${installs.length} times`);
      const expected = installs.length === 0 ? [] : [plan.bad.version, BASE_VERSION];
      if (rollbacks.length !== (installs.length === 0 ? 0 : 1) || rollbacks.some((r) => r.to !== BASE_VERSION)) {
        violations.push(`${name}: ${badId} rolled back [${rollbacks.map((r) => r.to).join(', ')}] after ${installs.length} install(s), expected one rollback to ${BASE_VERSION} per install`);
      }
      if (boots.join(' ') !== expected.join(' ')) violations.push(`${name} booted [${boots.join(', ')}] during round ${plan.round}, expected [${expected.join(', ')}]`);
    }
  }
  const badChanged = targets.filter((t) => t.fleet === 'bad' && t.journal.some((r) => r.key.startsWith(`${badId}/`) && r.action === 'install'));
  if (bad.state === 'rolled_back' && badChanged.length === 0) violations.push(`${badId}: no target of the bad fleet recorded an install; the breaker tripped on nothing`);
  return violations;
}

/** What the fleets serve once every round is over: the last good release, and the bad fleet's base release. */
export function checkFinalVersions(last: RoundResult, targets: TargetEvidence[]): string[] {
  return targets.flatMap((t) => {
    const expected = t.fleet === 'good' ? last.plan.good.version : BASE_VERSION;
    return t.serving === expected ? [] : [`${t.fleet} fleet ${t.targetId} serves ${t.serving ?? 'nothing (no answer)'}, expected ${expected}`];
  });
}

/** One begin and one done per change key, nothing left half-way. */
function changedOnce(name: string, records: JournalRecord[]): string[] {
  const byKey = new Map<string, JournalRecord[]>();
  for (const r of records) byKey.set(r.key, [...(byKey.get(r.key) ?? []), r]);
  const violations: string[] = [];
  for (const [key, rs] of byKey) {
    const begins = rs.filter((r) => r.phase === 'begin').length;
    const dones = rs.filter((r) => r.phase === 'done').length;
    if (begins > 1 || dones > 1) violations.push(`${name}: change ${key} recorded ${begins} begin(s) and ${dones} done(s): applied more than once`);
    if (dones === 0) violations.push(`${name}: change ${key} was begun and never finished`);
  }
  return violations;
}
