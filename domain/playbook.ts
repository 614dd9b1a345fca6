import { z } from 'zod';
import { DAY, HOUR, MINUTE, SECOND, durationBetween } from './duration';
import { MAX_FLEET_TARGETS } from './fleet';
import { severitySchema } from './incident';
import { lineText, nameText, noteText } from './freeText';
import { reviewSchema } from './review';
import { safeUrlSchema } from './safeUrl';
import { parseCriterion } from './successCriteria';

/**
 * The ranges of a playbook's durations and counts: what a rollout workflow can really run
 * (finite timers, bounded loops); the README lists them.
 */
export const PLAYBOOK_LIMITS = {
  /** Soak and bake times: 0 (no bake) to 90 days. */
  bake: { min: 0, max: 90 * DAY },
  /** How often the health gate reads the new version: 1 s to 1 h. */
  analysisInterval: { min: SECOND, max: HOUR },
  /** A Prometheus query's range: 1 s to 1 day. */
  queryWindow: { min: SECOND, max: DAY },
  /** Lead time of the customer notice: 0 to 30 days. */
  noticeBefore: { min: 0, max: 30 * DAY },
  /** How long a customer may put the update off: 0 to 90 days. */
  maxDeferral: { min: 0, max: 90 * DAY },
  /** Incident updates to customers: every 1 min to 1 day. */
  incidentUpdateEvery: { min: MINUTE, max: DAY },
  /** Targets in one step, as a count: at most a whole fleet. */
  targets: MAX_FLEET_TARGETS,
  waves: 50,
  /** Requests a window needs: 1 to 1,000,000. */
  minSamples: 1_000_000,
  /** p99 latency ceiling, in ms: above 0, at most 10 minutes. */
  p99LatencyMs: 10 * MINUTE,
  /** New/old p99 ratio: 1 to 1000. */
  maxRatio: 1000,
} as const;

const bake = durationBetween(PLAYBOOK_LIMITS.bake.min, PLAYBOOK_LIMITS.bake.max);

/** A share of the fleet: "25%" of all targets, or a count of targets. */
const sizeSchema = z.union(
  [
    z.number().int('expected a whole number of targets').min(1, 'expected at least 1 target').max(PLAYBOOK_LIMITS.targets, `expected at most ${PLAYBOOK_LIMITS.targets} targets`),
    z
      .string()
      .regex(/^(100|[1-9][0-9]?)%$/, 'expected a percentage from "1%" to "100%" or a whole number of targets')
      .transform((text) => ({ percent: Number(text.slice(0, -1)) })),
  ],
  { error: 'expected a percentage such as "25%" or a whole number of targets' },
);

/** Which targets: explicit ids, or every target carrying all the given labels. */
const selectorSchema = z.strictObject({
  targets: z.array(z.string().min(1)).min(1).optional(),
  labels: z.record(z.string(), z.string()).optional(),
});

const dogfoodSchema = selectorSchema
  .extend({ soakTime: bake })
  .refine((d) => d.targets !== undefined || d.labels !== undefined, {
    message: 'name the internal targets with "targets" or "labels"',
  });

const canarySchema = selectorSchema
  .extend({ size: sizeSchema.optional(), bakeTime: bake })
  .refine((c) => [c.targets, c.labels, c.size].filter((x) => x !== undefined).length === 1, {
    message: 'give exactly one of "size", "targets" or "labels"',
  });

const waveSchema = z.strictObject({
  size: sizeSchema,
  bakeTime: bake,
  maxParallel: z.number().int().min(1).max(500).optional(),
});

const healthSchema = z.strictObject({
  errorRate: z.strictObject({
    /** Absolute ceiling on the new version's error ratio, 0..1. */
    max: z.number().min(0).max(1),
    /** Largest allowed rise over the targets still on the old version, in ratio points. */
    maxIncrease: z.number().min(0).max(1).optional(),
  }),
  p99LatencyMs: z
    .strictObject({
      max: z.number().positive().max(PLAYBOOK_LIMITS.p99LatencyMs, `expected at most ${PLAYBOOK_LIMITS.p99LatencyMs} ms`).optional(),
      /** Largest allowed new/old ratio of p99 latency. */
      maxRatio: z.number().min(1, 'expected a ratio from 1 to 1000').max(PLAYBOOK_LIMITS.maxRatio, 'expected a ratio from 1 to 1000').optional(),
    })
    .optional(),
  /** Requests a window needs on the new version before it can pass. */
  minSamples: z.number().int('expected a whole number').min(1, 'expected from 1 to 1000000 requests').max(PLAYBOOK_LIMITS.minSamples, 'expected from 1 to 1000000 requests').default(20),
  analysisInterval: durationBetween(PLAYBOOK_LIMITS.analysisInterval.min, PLAYBOOK_LIMITS.analysisInterval.max).default(60_000),
  /** Windows in a row that must breach before the breaker trips. */
  consecutiveBreaches: z.number().int().min(1).max(100).default(2),
  /** Where the gate's numbers come from: each target's /metrics (default) or PromQL. */
  provider: z
    .discriminatedUnion('type', [
      z.strictObject({ type: z.literal('metrics') }),
      z.strictObject({
        type: z.literal('prometheus'),
        /** A Prometheus that scrapes the fleet with a `target="<target id>"` label on every series. */
        url: safeUrlSchema({ rule: 'expected the http(s) URL of a Prometheus server' }),
        /** Range of each query; default: the time since the previous analysis. */
        window: durationBetween(PLAYBOOK_LIMITS.queryWindow.min, PLAYBOOK_LIMITS.queryWindow.max).optional(),
        /** Only series of this scrape job; default: any job. */
        job: z.string().min(1).optional(),
      }),
    ], { error: 'expected { type: metrics } or { type: prometheus, url: "http://…" }' })
    .default({ type: 'metrics' }),
});

export const RISK_LEVELS = ['low', 'medium', 'high', 'critical'] as const;
export type RiskLevel = (typeof RISK_LEVELS)[number];

/** Corrective actions of an incident's RCA are ranked on the risk scale. */
export const actionSeveritySchema = z.enum(RISK_LEVELS, { error: 'expected one of low, medium, high, critical' });

/** What one risk level does to the pace: every bake time multiplied, and approvals at the start added. */
const paceSchema = z.strictObject({
  bakeFactor: z.number().min(1, 'expected a factor from 1 to 10').max(10, 'expected a factor from 1 to 10').default(1),
  extraApprovals: z.number().int('expected a whole number').min(0, 'expected from 0 to 5 approvals').max(5, 'expected from 0 to 5 approvals').default(0),
});
const velocitySchema = z.strictObject({ low: paceSchema.optional(), medium: paceSchema.optional(), high: paceSchema.optional(), critical: paceSchema.optional() });

export const APPROVAL_STEPS = ['start', 'dogfood', 'canary', 'waves', 'every-wave'] as const;

const approvalSchema = z.strictObject({
  step: z.enum(APPROVAL_STEPS, { error: `expected one of ${APPROVAL_STEPS.join(', ')}` }),
  count: z.number().int().min(1).max(10).default(1),
  /** Who may approve; anyone when absent. */
  approvers: z.array(z.string().min(1)).min(1).optional(),
  /** Four eyes: the person who started the rollout may not approve it. */
  excludeStarter: z.boolean().default(true),
});

/** The customer notification plan of a playbook; every field has a default a careful operator would pick. */
export const customerPlanSchema = z.strictObject({
  /** What customers know the software as, in notices and on the status portal. */
  component: nameText().min(1).default('the service'),
  /** Lead time of the pre-deployment notice: no customer is updated sooner after being told. */
  noticeBefore: durationBetween(PLAYBOOK_LIMITS.noticeBefore.min, PLAYBOOK_LIMITS.noticeBefore.max).default(24 * 3_600_000),
  /** Caps every customer's own deferral allowance; a security fix defaults to 1d. */
  maxDeferral: durationBetween(PLAYBOOK_LIMITS.maxDeferral.min, PLAYBOOK_LIMITS.maxDeferral.max).optional(),
  /** How often affected customers hear from us while an incident lasts. */
  incidentUpdateEvery: durationBetween(PLAYBOOK_LIMITS.incidentUpdateEvery.min, PLAYBOOK_LIMITS.incidentUpdateEvery.max).default(3_600_000),
  expectedImpact: noteText().min(1).default('Services restart one at a time; requests in flight are retried.'),
  expectedDowntime: lineText().min(1).default('none expected'),
  reportProblem: noteText().min(1).default('Reply to this message or open a ticket with support.'),
  /** Public address of the status portal, quoted in notices. */
  portalUrl: safeUrlSchema().optional(),
});

export type CustomerPlan = z.infer<typeof customerPlanSchema>;

/** A security fix is urgent: customers may put it off for a day unless the playbook says otherwise. */
/** How many targets a rollback returns at once unless the playbook says otherwise. */
export const ROLLBACK_MAX_PARALLEL = 20;

export const SECURITY_FIX_DEFAULT_DEFERRAL_MS = 86_400_000;

export const playbookSchema = z
  .strictObject({
    /** At most 50 characters: it starts every default rollout id (`<name>-<version>-<hex>`, at most 128). */
    name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,49}$/, 'expected a lower-case name of letters, digits and "-", at most 50 characters'),
    description: noteText().optional(),
    /** Who approved this playbook, when, and when it must be reviewed again (domain/review.ts); optional, but `playbook validate` warns without it. */
    review: reviewSchema.optional(),
    method: z.enum(['direct', 'phased', 'pilot', 'parallel'], {
      error: 'expected one of direct, phased, pilot, parallel',
    }),
    cadence: z.enum(['patch-tuesday', 'security-fix', 'scheduled', 'ad-hoc'], {
      error: 'expected one of patch-tuesday, security-fix, scheduled, ad-hoc',
    }),
    planning: z.strictObject({
      riskAssessment: z.strictObject({
        level: z.enum(['low', 'medium', 'high', 'critical'], { error: 'expected one of low, medium, high, critical' }),
        summary: noteText().min(1),
      }),
      preMortem: z.array(lineText().min(1)).min(1, 'list at least one way this release could fail'),
      /** Judged in the release report: comparisons and outcomes (domain/successCriteria.ts); other text is "not judged". */
      successCriteria: z.array(lineText().min(1)).min(1, 'list at least one success criterion'),
      /** How the risk level paces the rollout (domain/velocity.ts); absent: the risk level changes nothing. */
      velocity: velocitySchema.optional(),
      /** One more approval at the start while earlier releases of this playbook left corrective actions this severe (or worse) open. */
      requireApprovalWhileOpen: z.strictObject({ severity: actionSeveritySchema }).optional(),
    }),
    phases: z.strictObject({
      dogfood: dogfoodSchema.optional(),
      canary: canarySchema.optional(),
      waves: z.array(waveSchema).min(1, 'list at least one wave').max(PLAYBOOK_LIMITS.waves, `expected at most ${PLAYBOOK_LIMITS.waves} waves`),
    }),
    health: healthSchema,
    onBreach: z.enum(['rollback', 'pause'], { error: 'expected rollback or pause' }).default('rollback'),
    /** A tripped breaker quarantines the version, so no later run (a scheduled one included) picks the same bad build. */
    quarantineOnBreach: z.boolean().default(true),
    maxParallel: z.number().int().min(1).max(500).default(5),
    /**
     * Returning to the last known good version is the emergency path: it may go wider than the
     * rollout did (every changed target at once, up to this many), since each minute on the bad
     * version is customer impact and the good version is known to work.
     */
    rollback: z.strictObject({ maxParallel: z.number().int().min(1).max(500).default(ROLLBACK_MAX_PARALLEL) }).prefault({}),
    approvals: z.array(approvalSchema).default([]),
    /**
     * Graceful degradation: on a breach, first switch this feature off on every target the rollout
     * changed. If health recovers, hold there (then: hold, instead of a rollback) or roll back
     * anyway at lower impact (then: rollback); if it does not, roll back.
     */
    degrade: z
      .strictObject({
        feature: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'expected a feature name such as "new-checkout"'),
        then: z.enum(['hold', 'rollback'], { error: 'expected hold or rollback' }).default('hold'),
      })
      .optional(),
    /** What customers are told and how long they may put the update off (with a customers file). */
    customers: customerPlanSchema.optional(),
    /** What happens when the breaker trips, beyond the rollback: who is paged, what they are told. */
    incidents: z
      .strictObject({
        /** Severity of the incident a breaker trip opens. */
        severity: severitySchema.default('sev2'),
        /** Escalation policy file, relative to the playbook. */
        policyFile: z.string().min(1),
        /** Documented recovery steps, for when automated rollback is not possible. */
        manualRecovery: z.array(lineText().min(1)).optional(),
        /** Automated rollback is impossible for this software: the incident tells on-call the manual steps instead. */
        automatedRollback: z.boolean().default(true),
      })
      .optional(),
  })
  .superRefine((p, ctx) => {
    const rule = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    const needsCanary = p.method !== 'direct' || p.cadence === 'security-fix';
    if (needsCanary && !p.phases.canary) {
      rule(['phases', 'canary'], p.cadence === 'security-fix'
        ? 'a security fix is urgent but never skips the canary'
        : `the ${p.method} method needs a canary`);
    }
    if ((p.method === 'direct' || p.method === 'pilot') && p.phases.waves.length !== 1) {
      rule(['phases', 'waves'], `the ${p.method} method installs the rest in exactly one wave`);
    }
    if (p.incidents && !p.incidents.automatedRollback && !p.incidents.manualRecovery) {
      rule(['incidents', 'manualRecovery'], 'without automated rollback, list the manual recovery steps');
    }
    const elevated = p.planning.riskAssessment.level === 'high' || p.planning.riskAssessment.level === 'critical';
    if (elevated && !p.approvals.some((a) => a.excludeStarter)) {
      rule(['approvals'], 'a high or critical risk needs an approval by someone other than the starter');
    }
    p.planning.successCriteria.forEach((text, i) => {
      const parsed = parseCriterion(text);
      if (!parsed.ok) rule(['planning', 'successCriteria', i], parsed.error);
      else if (parsed.criterion.kind === 'metric' && parsed.criterion.step !== null) {
        const step = parsed.criterion.step;
        const wave = /^wave-(\d+)$/.exec(step);
        const exists = step === 'dogfood' ? !!p.phases.dogfood : step === 'canary' ? !!p.phases.canary : Number(wave?.[1]) <= p.phases.waves.length;
        if (!exists) rule(['planning', 'successCriteria', i], `no step "${step}" in this playbook's phases`);
      }
    });
    const velocity = p.planning.velocity;
    if (velocity) {
      // A riskier level never goes faster than a safer one.
      let floor = { bakeFactor: 1, extraApprovals: 0, level: 'low' };
      for (const level of RISK_LEVELS) {
        const pace = velocity[level];
        if (!pace) continue;
        if (pace.bakeFactor < floor.bakeFactor) rule(['planning', 'velocity', level, 'bakeFactor'], `a ${level} risk may not bake shorter than ${floor.level} (factor ${floor.bakeFactor})`);
        if (pace.extraApprovals < floor.extraApprovals) rule(['planning', 'velocity', level, 'extraApprovals'], `a ${level} risk may not need fewer approvals than ${floor.level} (${floor.extraApprovals})`);
        floor = { ...pace, level };
      }
      const pace = velocity[p.planning.riskAssessment.level];
      if (pace) {
        const bakes = [p.phases.dogfood?.soakTime, p.phases.canary?.bakeTime, ...p.phases.waves.map((w) => w.bakeTime)].filter((b): b is number => b !== undefined);
        if (bakes.some((b) => b * pace.bakeFactor > PLAYBOOK_LIMITS.bake.max)) {
          rule(['planning', 'velocity', p.planning.riskAssessment.level, 'bakeFactor'], `a bake time times ${pace.bakeFactor} would pass the 90d limit`);
        }
        const start = p.approvals.find((a) => a.step === 'start');
        if (pace.extraApprovals > 0 && start?.approvers && start.approvers.length < start.count + pace.extraApprovals) {
          rule(['approvals'], `the ${p.planning.riskAssessment.level} risk adds ${pace.extraApprovals} approval(s) at the start: list at least ${start.count + pace.extraApprovals} approvers`);
        }
      }
    }
    // The rule adds one approval at the start: a start roster must have room for it (and for the pace's).
    const start = p.approvals.find((a) => a.step === 'start');
    const paceExtra = p.planning.velocity?.[p.planning.riskAssessment.level]?.extraApprovals ?? 0;
    if (p.planning.requireApprovalWhileOpen && start?.approvers && start.approvers.length < start.count + paceExtra + 1) {
      rule(['planning', 'requireApprovalWhileOpen'], `adds one approval at the start: its approvers must list at least ${start.count + paceExtra + 1} people`);
    }
    const steps = new Set<string>();
    p.approvals.forEach((a, i) => {
      if (steps.has(a.step)) rule(['approvals', i, 'step'], `step "${a.step}" already has an approval rule`);
      steps.add(a.step);
      if (a.step === 'dogfood' && !p.phases.dogfood) rule(['approvals', i, 'step'], 'no dogfood phase to approve');
      if (a.step === 'canary' && !p.phases.canary) rule(['approvals', i, 'step'], 'no canary phase to approve');
      if (a.approvers && a.approvers.length < a.count) {
        rule(['approvals', i, 'approvers'], `needs at least ${a.count} approvers for count ${a.count}`);
      }
    });
  });

export type Playbook = z.infer<typeof playbookSchema>;
export type PlaybookInput = z.input<typeof playbookSchema>;
export type Size = number | { percent: number };
export type Selector = { targets?: string[]; labels?: Record<string, string> };
export type ApprovalStep = (typeof APPROVAL_STEPS)[number];
