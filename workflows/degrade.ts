import { sleep } from '@temporalio/workflow';
import type { Target } from '../domain/fleet';
import type { Playbook } from '../domain/playbook';
import { targetActions } from './activityProxies';
import { HealthAnalysis, spreadSample } from './analysis';
import type { RolloutTracker } from './rolloutTracker';
import { boundedWait } from './time';

/** Switches `feature` off on each target, at most `maxParallel` at once; returns the ids it failed on. */
async function switchOff(rolloutId: string, feature: string, targets: Target[], maxParallel: number): Promise<string[]> {
  const queue = [...targets];
  const failed: string[] = [];
  const lane = async () => {
    for (let target = queue.shift(); target; target = queue.shift()) {
      try {
        await targetActions.setTargetFeature({ key: `${rolloutId}/${target.id}/feature/${feature}=off`, rolloutId, target, feature, enabled: false });
      } catch {
        failed.push(target.id);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(maxParallel, queue.length)) }, lane));
  return failed;
}

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
  const failed = await switchOff(args.rolloutId, feature, args.changed, args.maxParallel);
  if (failed.length > 0) {
    tracker.degradeFailed(feature, failed);
    return false;
  }
  const analysis = new HealthAnalysis(spreadSample(args.changed), spreadSample(args.untouched), args.health);
  await analysis.start();
  await sleep(boundedWait(args.health.analysisInterval, 60_000));
  const gate = await analysis.evaluate();
  const healthy = gate.verdict === 'pass';
  tracker.degradeJudged(feature, healthy, gate.reasons);
  return healthy;
}

/**
 * A rollout resumed degraded: the feature that contained the breach goes off on a step's targets
 * before they install, so no target runs the new version with it on. A target it fails on is
 * noted and installed anyway: the step's health gate still judges it.
 */
export async function keepFeatureOff(args: { rolloutId: string; feature: string; targets: Target[]; maxParallel: number; tracker: RolloutTracker }): Promise<void> {
  if (args.targets.length === 0) return;
  args.tracker.degrading(args.feature, args.targets.length, 'before they install');
  const failed = await switchOff(args.rolloutId, args.feature, args.targets, args.maxParallel);
  if (failed.length > 0) args.tracker.degradeFailed(args.feature, failed);
}
