import { sleep } from '@temporalio/workflow';
import type { Target } from '../domain/fleet';
import type { Playbook } from '../domain/playbook';
import { targetActions } from './activityProxies';
import { HealthAnalysis, spreadSample } from './analysis';
import type { RolloutTracker } from './rolloutTracker';

/**
 * Switches a feature off on the targets the rollout changed, then watches one analysis window:
 * true when they are healthy again (contained without a rollback).
 */
export async function degradeFeature(args: {
  rolloutId: string;
  feature: string;
  changed: Target[];
  untouched: Target[];
  health: Playbook['health'];
  maxParallel: number;
  tracker: RolloutTracker;
}): Promise<boolean> {
  const { tracker, feature } = args;
  tracker.degrading(feature, args.changed.length);
  const queue = [...args.changed];
  const failed: string[] = [];
  const lane = async () => {
    for (let target = queue.shift(); target; target = queue.shift()) {
      try {
        await targetActions.setTargetFeature({ key: `${args.rolloutId}/${target.id}/feature/${feature}=off`, rolloutId: args.rolloutId, target, feature, enabled: false });
      } catch {
        failed.push(target.id);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(args.maxParallel, queue.length)) }, lane));
  if (failed.length > 0) {
    tracker.degradeFailed(feature, failed);
    return false;
  }
  const analysis = new HealthAnalysis(spreadSample(args.changed), spreadSample(args.untouched), args.health);
  await analysis.start();
  await sleep(args.health.analysisInterval);
  const gate = await analysis.evaluate();
  const healthy = gate.verdict === 'pass';
  tracker.degradeJudged(feature, healthy, gate.reasons);
  return healthy;
}
