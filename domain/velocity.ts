import type { Playbook } from './playbook';

export interface Pace {
  level: Playbook['planning']['riskAssessment']['level'];
  bakeFactor: number;
  extraApprovals: number;
}

/**
 * The pace the playbook sets for its own risk level (planning.velocity): what the rollout
 * follows, and what its status and release report show. Without a velocity table (or an entry
 * for the level) the risk level changes nothing: factor 1, no extra approval.
 */
export function paceOf(playbook: Playbook): Pace {
  const level = playbook.planning.riskAssessment.level;
  const pace = playbook.planning.velocity?.[level];
  return { level, bakeFactor: pace?.bakeFactor ?? 1, extraApprovals: pace?.extraApprovals ?? 0 };
}

/**
 * The playbook as the rollout runs it at its risk level's pace: every soak and bake time
 * multiplied (rounded to the ms), and the start approval asking for that many more people
 * (a start approval by someone other than the starter when the playbook had none).
 */
export function withPace(playbook: Playbook, pace: Pace): Playbook {
  if (pace.bakeFactor === 1 && pace.extraApprovals === 0) return playbook;
  const times = (ms: number) => Math.round(ms * pace.bakeFactor);
  const { dogfood, canary, waves } = playbook.phases;
  return {
    ...playbook,
    phases: {
      ...(dogfood ? { dogfood: { ...dogfood, soakTime: times(dogfood.soakTime) } } : {}),
      ...(canary ? { canary: { ...canary, bakeTime: times(canary.bakeTime) } } : {}),
      waves: waves.map((w) => ({ ...w, bakeTime: times(w.bakeTime) })),
    },
    approvals: withExtraStartApprovals(playbook.approvals, pace.extraApprovals),
  };
}

/** The approval rules with `extra` more approvals needed at the start. */
export function withExtraStartApprovals(rules: Playbook['approvals'], extra: number): Playbook['approvals'] {
  if (extra <= 0) return rules;
  const start = rules.find((r) => r.step === 'start');
  if (start) return rules.map((r) => (r === start ? { ...r, count: r.count + extra } : r));
  return [{ step: 'start', count: extra, excludeStarter: true }, ...rules];
}
