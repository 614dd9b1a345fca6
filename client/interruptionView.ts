import type { RolloutStatus } from '../domain/rolloutStatus';

/** The lines `rollout status` shows for a rollout ended behind Rampart's back, and its recovery. */
export function renderInterruption(s: RolloutStatus): string[] {
  const ended = s.interrupted;
  if (!ended) return [];
  const lines = [
    `${ended.how.toUpperCase()} outside Rampart at ${ended.at}${ended.by ? ` by ${ended.by}` : ''}${ended.reason ? ` (${ended.reason})` : ''}`,
    ended.fromInputOnly
      ? '  no worker answered for this closed rollout: steps and targets below are only what its input says (start "rampart worker" for its last known status)'
      : `  last known state: ${ended.lastState}${s.step ? ` in ${s.step}` : ''}; the targets below are as it last reported them`,
  ];
  const recovery = s.recovery;
  if (!recovery) {
    lines.push(`  targets stay where it left them: roll back what it changed with "rampart rollout recover ${s.rolloutId} --reason ..."`);
    return lines;
  }
  lines.push(`recovery ${recovery.state} (requested by ${recovery.by} at ${recovery.startedAt}: ${recovery.reason})${recovery.endedAt ? `, ended ${recovery.endedAt}` : ''}`);
  if (recovery.note) lines.push(`  ${recovery.note}`);
  for (const o of recovery.outcomes) lines.push(`  ${o.targetId} ${o.verified ? 'verified' : 'NOT VERIFIED'} on ${o.version}: ${o.detail}`);
  return lines;
}
