// Free of side effects (unlike ./temporal, which installs a Runtime), so scripts/ can use it too.

/** A playbook fast enough for real-time tests: 1 s analysis windows on a fleet serving ~20 req/s per target. */
export function fastPlaybook(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'test-release',
    method: 'phased',
    cadence: 'ad-hoc',
    planning: {
      riskAssessment: { level: 'low', summary: 'test release' },
      preMortem: ['the new version fails its health gate'],
      successCriteria: ['all targets healthy'],
    },
    phases: {
      canary: { size: 1, bakeTime: '2s' },
      waves: [{ size: '50%', bakeTime: '2s', maxParallel: 2 }, { size: '100%', bakeTime: '2s', maxParallel: 3 }],
    },
    health: { errorRate: { max: 0.1, maxIncrease: 0.05 }, minSamples: 10, analysisInterval: '1s', consecutiveBreaches: 2 },
    onBreach: 'rollback',
    // Tests trip breakers and start the same version again; the quarantine tests turn this on.
    quarantineOnBreach: false,
    ...overrides,
  };
}
