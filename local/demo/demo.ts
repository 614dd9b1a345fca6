/**
 * The quick-start demo, `npm run demo [-- --keep] [-- --dir <dir>]`: everything a real rollout uses,
 * on this machine, in about two minutes.
 *
 *   1. the embedded Temporal dev server (SQLite, Web UI) with its data in .rampart/demo
 *   2. the local Slack Web API and SMTP stand-ins (local/standins/), as processes of their own
 *   3. a Rampart worker process on the demo task queue, posting to and mailing through them
 *   4. a real local fleet of 10 target processes on 1.0.0 (2 of them the internal dogfood ring)
 *   5. two artifacts: 1.1.0 (good) and 1.2.0 (fails 30% of requests)
 *   6. playbooks/demo.yaml and its escalation policy, checked with `rampart playbook validate`
 *      and `rampart escalation validate`
 *   7. `rampart rollout start --wait` of 1.1.0 with playbooks/customers/demo.yaml: dogfood, canary
 *      (the Early Access customer) and two waves (the Stable ones), every gate passes; each customer
 *      is told before and after, and the demo reads their mails back from the SMTP stand-in
 *   8. `rampart rollout start --wait` of 1.2.0: the breaker trips on the internal ring, the
 *      changed targets are rolled back to 1.1.0, and incident inc-<rollout id> is opened
 *   9. the incident: nobody on-call acknowledges within 5 s, so it escalates to the senior
 *      engineer, who acknowledges and resolves it (`rampart incident status|ack|resolve|report`);
 *      then its Slack thread and its mail thread, read back from the stand-ins
 *
 * Then it checks every target's /health, prints a summary, and stops everything it started (on
 * success, failure, Ctrl-C or SIGTERM), unless --keep leaves the stack up to explore. Exit codes:
 * 0 the demo ran as expected, 1 it did not (the message names the logs), 2 bad flags,
 * 130/143 interrupted. RAMPART_DEMO_TIMEOUT_MS bounds the whole run (default 6 minutes).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { buildArtifact } from '../fleet/artifactBuild';
import { readInstallJournals } from '../fleet/localFleet';
import { REPO_ROOT } from '../temporal/temporalBinaries';
import { customerTranscript } from './customerTranscript';
import { watchInterrupts } from './demoInterrupts';
import { CLI_PREFIX, elapsed, heading, say, show, startedAt } from './demoOutput';
import { runDemoProcess, summaryLines, tellStory } from './demoReport';
import {
  BAD_ERROR_RATE,
  BAD_VERSION,
  CUSTOMERS,
  DemoFailure,
  ESCALATION,
  FLEET_SIZE,
  GOOD_VERSION,
  MAIL_STORE,
  PLAYBOOK,
  demoTimeoutMs,
  readFlags,
} from './demoSettings';
import { newStack, removeEarlierRun, saveRecord, stopLeftovers } from './demoStack';
import { followIncident } from './followIncident';
import { expectFleetOn, expectRolloutEnded, readFleetVersions, rollOut } from './rollOut';
import { runRampart } from './runRampart';
import { startFleetStep, startStandinsStep, startTemporalStep, startWorkerStep } from './startStack';

/** The demo's story, step by step; the parts it is made of live in the files beside this one. */
async function main(): Promise<number> {
  const flags = readFlags();
  if (typeof flags === 'number') return flags;
  const dir = flags.dir;
  const stack = newStack(dir, flags.keep);
  const fleetDir = stack.fleetDir;
  const interrupts = watchInterrupts(stack, demoTimeoutMs());
  const { step } = interrupts;

  say(`Rampart demo: a good release and a bad one, rolled out to a real local fleet with Temporal, and the incident the bad one opens${flags.keep ? ' (--keep)' : ''}`);
  say(`state and logs in ${show(dir)}/`);
  return tellStory(stack, interrupts, async () => {
    mkdirSync(dir, { recursive: true });
    await step(stopLeftovers(dir, fleetDir));
    removeEarlierRun(dir, fleetDir);
    saveRecord(stack);
    // Targets make their own steady traffic, which the health gates read: keep it at the default.
    process.env.RAMPART_TRAFFIC_RPS = '20';

    const { server, env } = await startTemporalStep(stack, interrupts);
    const workerEnv = await startStandinsStep(stack, env, interrupts);
    const workerReady = startWorkerStep(stack, workerEnv, interrupts);
    const fleet = await startFleetStep(stack, interrupts);

    heading(`artifacts: ${GOOD_VERSION} (good) and ${BAD_VERSION} (fails ${BAD_ERROR_RATE * 100}% of requests)`);
    const artifacts = join(dir, 'artifacts');
    const good = await step(buildArtifact({ version: GOOD_VERSION, outDir: artifacts, notes: 'A good release: faster report page.' }));
    const bad = await step(buildArtifact({ version: BAD_VERSION, outDir: artifacts, notes: 'A bad release: a regression fails some requests.', fault: { errorRate: BAD_ERROR_RATE } }));
    for (const a of [good, bad]) say(`  ${show(a.path)}  sha256 ${a.sha256.slice(0, 16)}...`);

    heading(`playbook ${show(PLAYBOOK)} and its escalation policy`);
    say(`  $ bin/rampart playbook validate ${show(PLAYBOOK)}`);
    const validation = await step(runRampart(['playbook', 'validate', show(PLAYBOOK)], { env, cwd: REPO_ROOT, prefix: CLI_PREFIX, timeoutMs: 60_000 }));
    if (validation.code !== 0) throw new DemoFailure(`${show(PLAYBOOK)} did not validate (exit ${validation.signal ?? validation.code}): ${validation.stderr.trim()}`);
    say(`  $ bin/rampart escalation validate ${show(ESCALATION)}   (the playbook's incidents.policyFile)`);
    const policyCheck = await step(runRampart(['escalation', 'validate', show(ESCALATION)], { env, cwd: REPO_ROOT, prefix: CLI_PREFIX, timeoutMs: 60_000 }));
    if (policyCheck.code !== 0) throw new DemoFailure(`${show(ESCALATION)} did not validate (exit ${policyCheck.signal ?? policyCheck.code}): ${policyCheck.stderr.trim()}`);

    const worker = await step(workerReady);
    say(`  worker ready (pid ${worker.pid}) after ${elapsed(Date.now() - startedAt)}`);

    heading(`roll out ${GOOD_VERSION}: dogfood -> canary -> waves, health-gated`);
    const first = await step(rollOut(stack, env, good, GOOD_VERSION, 'quick-start demo: a good release', 180_000));
    const g = expectRolloutEnded(first, GOOD_VERSION, 'completed', 0, (s) => s.state === 'completed');
    const afterGood = await step(readFleetVersions(fleetDir));
    expectFleetOn(afterGood, GOOD_VERSION, `after the rollout of ${GOOD_VERSION}`);
    say(`  /health: all ${FLEET_SIZE} targets report ${GOOD_VERSION}; ${show(fleet.fleetFile)} now names ${GOOD_VERSION} as the last known good version`);
    heading(`what the customers of ${show(CUSTOMERS)} were told about ${GOOD_VERSION} (read back from the SMTP stand-in)`);
    const told = customerTranscript(g, join(dir, MAIL_STORE));
    for (const line of told.lines) say(line);
    if (told.duplicates > 0) throw new DemoFailure(`${told.duplicates} customer mail(s) about ${GOOD_VERSION} arrived twice`);

    heading(`roll out ${BAD_VERSION}: the breaker should trip and roll back`);
    const second = await step(rollOut(stack, env, bad, BAD_VERSION, 'quick-start demo: a bad release', 150_000));
    const b = expectRolloutEnded(second, BAD_VERSION, 'been rolled back by the breaker', 6, (s) => s.state === 'rolled_back' && Boolean(s.breaker));
    const afterBad = await step(readFleetVersions(fleetDir));
    expectFleetOn(afterBad, GOOD_VERSION, `after the rollback of ${BAD_VERSION}`);
    const toldOfBad = customerTranscript(b, join(dir, MAIL_STORE));
    say(`  customers told about ${BAD_VERSION}: ${toldOfBad.mails === 0 ? 'nobody (it never reached a customer\'s system)' : `${toldOfBad.mails} mail(s)`}`);
    for (const line of toldOfBad.mails > 0 ? toldOfBad.lines : []) say(line);
    const journals = await step(readInstallJournals({ stateDir: fleetDir }));
    const touched = journals.filter((j) => j.records.some((r) => r.to === BAD_VERSION)).map((j) => j.targetId);

    heading(`the incident the breaker opened: escalation, acknowledgement, resolution, root cause analysis`);
    const incident = await followIncident({
      stack,
      env,
      rollout: b,
      rootCause: `${BAD_VERSION} fails ~${BAD_ERROR_RATE * 100}% of requests (a regression); the breaker caught it in ${b.breaker!.step} and rolled ${touched.join(', ') || 'nothing'} back to ${GOOD_VERSION}`,
      step,
      signal: interrupts.signal,
    });

    return summaryLines({ good: g, bad: b, touched, toldOfGood: told.mails, toldOfBad: toldOfBad.mails, incident, server });
  });
}

runDemoProcess(main);
