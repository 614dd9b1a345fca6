import { join } from 'node:path';
import type { RolloutStatus } from '../../domain/rolloutStatus';
import type { DevServer } from '../temporal/devServer';
import { elapsed, say, secondsBetween, show, startedAt } from './demoOutput';
import { interruptedExitCode, type Interrupts } from './demoInterrupts';
import { BAD_VERSION, DemoFailure, FLEET_SIZE, GOOD_VERSION, MAIL_STORE, NAMESPACE, TASK_QUEUE } from './demoSettings';
import { existsIn, stopStack, type Stack } from './demoStack';
import type { IncidentRun } from './followIncident';
import { rolloutIdsStarted, rolloutTook } from './rollOut';

/** How the demo ends: what happened (or which logs to read), the stop, and what --keep left running. */

export interface DemoStory {
  good: RolloutStatus;
  bad: RolloutStatus;
  /** The targets that got the bad version before the breaker tripped. */
  touched: string[];
  /** Customer mails about the good version and about the bad one. */
  toldOfGood: number;
  toldOfBad: number;
  incident: IncidentRun;
  server: DevServer;
}

/** The summary of a run that went as expected. */
export function summaryLines(story: DemoStory): string[] {
  const { good: g, bad: b, touched, incident } = story;
  const inc = incident.status;
  const breaker = b.breaker!;
  const uiUrl = story.server.uiUrl ? `${story.server.uiUrl}/namespaces/${NAMESPACE}/workflows` : undefined;
  return [
    `  ${GOOD_VERSION}  rollout ${g.rolloutId} COMPLETED in ${rolloutTook(g)}: ${g.steps.map((s) => `${s.name} (${s.targets.length})`).join(' -> ')}, every health gate passed;`,
    `         ${g.outcome?.reason ?? `version ${GOOD_VERSION} everywhere`}.`,
    `  ${BAD_VERSION}  rollout ${b.rolloutId} ROLLED BACK after ${rolloutTook(b)}: the breaker tripped in ${breaker.step} (${breaker.step === 'dogfood' ? 'the internal ring' : 'the canary'}):`,
    ...breaker.reasons.map((r) => `           - ${r}`),
    `         ${touched.length > 0 ? `${touched.join(', ')} got ${BAD_VERSION} and went back to ${GOOD_VERSION}` : `no target was changed`}; the other ${FLEET_SIZE - touched.length} never saw ${BAD_VERSION}.`,
    `  fleet  all ${FLEET_SIZE} targets answer /health with version ${GOOD_VERSION} (checked after the rollback).`,
    `  customers ${(g.customers ?? []).map((c) => `${c.id} (${c.step})`).join(', ')}: each updated in its own window, told before and after: ${story.toldOfGood} mails, none twice;`,
    `         about ${BAD_VERSION}: ${story.toldOfBad} mail(s).`,
    `  incident ${inc.incidentId} (${inc.severity}) opened by the breaker: ${incident.onCall} did not acknowledge within ${incident.onCallDeadline},`,
    `         so it escalated to ${incident.escalatedTo} after ${secondsBetween(inc.openedAt, incident.escalatedAt)}; ${inc.acknowledged?.by} acknowledged it after ${secondsBetween(inc.openedAt, inc.acknowledged?.at)} and resolved it after ${secondsBetween(inc.openedAt, inc.resolved?.at)};`,
    `         root cause analysis: ${incident.reportPath ? show(incident.reportPath) : '(not written)'}`,
    `         Slack: one thread in #${incident.channelName} (its header updated in place ${incident.headerUpdates}x, ${incident.replies} replies);`,
    `         mail: ${incident.mails} messages in one thread (each replying to ${incident.mailRoot})`,
    `  Temporal Web UI: ${uiUrl ?? '(off)'}`,
    `         each rollout is a workflow, each step a child workflow, with every activity in its history`,
  ];
}

/** The logs a user looks at after a failure or an interrupt: those the run got to write. */
function logLines(stack: Stack): string[] {
  const { dir, fleetDir } = stack;
  return [
    stack.server ? `Temporal    ${show(stack.server.logFile)}` : undefined,
    existsIn(dir, 'worker.log') ? `worker      ${show(join(dir, 'worker.log'))}` : undefined,
    stack.fleetStarted ? `fleet       ${show(join(fleetDir, 'supervisor.log'))}` : undefined,
    ...[GOOD_VERSION, BAD_VERSION].filter((v) => existsIn(dir, `rollout-${v}.log`)).map((v) => `rollout     ${show(join(dir, `rollout-${v}.log`))}`),
    existsIn(dir, 'incident.log') ? `incident    ${show(join(dir, 'incident.log'))}` : undefined,
    existsIn(dir, 'slack.log') ? `Slack       ${show(join(dir, 'slack.log'))}` : undefined,
    existsIn(dir, 'smtp.log') ? `SMTP        ${show(join(dir, 'smtp.log'))}` : undefined,
  ].filter((l): l is string => l !== undefined);
}

/** With --keep: what is still running, how to look around, and how to stop it. */
function printKeptStack(stack: Stack): void {
  const { dir, fleetDir } = stack;
  const s = stack.server;
  say('');
  say('  --keep: the stack is still running');
  if (s) say(`    Temporal dev server  ${s.address} (pid ${s.pid})${s.uiUrl ? `, Web UI ${s.uiUrl}` : ''}`);
  if (stack.workerPid !== undefined) say(`    worker               pid ${stack.workerPid}, task queue ${TASK_QUEUE}, log ${show(join(dir, 'worker.log'))}`);
  if (stack.fleet) say(`    fleet                ${FLEET_SIZE} targets, supervisor pid ${stack.fleet.supervisorPid}`);
  if (stack.slack) say(`    Slack stand-in       ${stack.slack.url} (pid ${stack.slack.pid})`);
  if (stack.smtp) say(`    SMTP stand-in        ${stack.smtp.url} (pid ${stack.smtp.pid}), mails in ${show(join(dir, MAIL_STORE))}`);
  if (s) {
    say('  look around:');
    say(`    export TEMPORAL_ADDRESS=${s.address} RAMPART_TASK_QUEUE=${TASK_QUEUE}`);
    say(`    bin/rampart fleet status --dir ${show(fleetDir)}`);
    for (const id of rolloutIdsStarted.length > 0 ? rolloutIdsStarted : ['<id>']) say(`    bin/rampart rollout status ${id}`);
    if (rolloutIdsStarted.length > 1) say(`    bin/rampart incident report inc-${rolloutIdsStarted.at(-1)}`);
    if (stack.slack) say(`    curl -s ${new URL('../_test/messages', stack.slack.url).href}   (every Slack message the worker posted)`);
  }
  say('  stop it with:');
  const pids = [stack.workerPid, stack.slackPid, stack.smtpPid].filter((pid): pid is number => pid !== undefined);
  if (pids.length > 0) say(`    kill ${pids.join(' ')}`);
  say(`    bin/rampart fleet down --dir ${show(fleetDir)}`);
  say(`    bin/rampart server stop --dir ${show(dir)}`);
  say('  (or run the demo again: it stops what an earlier run left behind)');
}

/**
 * Stops the stack (unless --keep, and not interrupted), prints how the demo went, and returns its
 * exit code: 0 as expected, 1 not, 128+n interrupted by signal n.
 */
export async function finishDemo(stack: Stack, result: { summary?: string[]; failure?: string; interrupted?: NodeJS.Signals }): Promise<number> {
  const { summary, failure, interrupted } = result;
  const logs = logLines(stack);
  const keepRunning = stack.keep && !interrupted;
  let stopProblems: string[] = [];
  if (!keepRunning) {
    say(`\nstopping the demo stack`);
    stopProblems = await stopStack(stack);
  }

  say('\n' + '='.repeat(100));
  if (summary) {
    say(`Rampart demo finished in ${elapsed(Date.now() - startedAt)}: what happened`);
    for (const line of summary) say(line);
  } else if (interrupted) {
    say(`Rampart demo interrupted by ${interrupted} after ${elapsed(Date.now() - startedAt)}`);
    if (logs.length > 0) say(`  logs:\n${logs.map((l) => `    ${l}`).join('\n')}`);
  } else {
    say(`Rampart demo FAILED after ${elapsed(Date.now() - startedAt)}: ${failure}`);
    if (logs.length > 0) say(`  logs:\n${logs.map((l) => `    ${l}`).join('\n')}`);
  }
  if (keepRunning) {
    printKeptStack(stack);
  } else if (stopProblems.length > 0) {
    say(`  could not stop everything: ${stopProblems.join('; ')}`);
  } else if (!summary) {
    say('  everything the demo started has been stopped.');
  } else {
    say(`  everything the demo started has been stopped; run \`npm run demo -- --keep\` to leave the stack up and explore it in the Web UI.`);
  }
  if (interrupted) return interruptedExitCode(interrupted);
  return summary && stopProblems.length === 0 ? 0 : 1;
}

/**
 * Runs a demo's story (which returns its summary), then ends the demo: a DemoFailure is the
 * message the user reads, anything else an unexpected failure with its stack; an interrupt wins.
 */
export async function tellStory(stack: Stack, interrupts: Interrupts, story: () => Promise<string[]>): Promise<number> {
  let summary: string[] | undefined;
  let failure: string | undefined;
  try {
    summary = await story();
  } catch (err) {
    failure = err instanceof DemoFailure ? err.message : `unexpected failure: ${(err as Error).stack ?? String(err)}`;
  } finally {
    interrupts.clearDeadline();
  }
  const interrupted = interrupts.interrupted();
  return finishDemo(stack, { ...(summary ? { summary } : {}), ...(failure !== undefined ? { failure } : {}), ...(interrupted ? { interrupted } : {}) });
}

/** A demo's process: exits with what `main` returns, or 1 on a failure nothing caught. */
export function runDemoProcess(main: () => Promise<number>): void {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`demo: unexpected failure: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}
