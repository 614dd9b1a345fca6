import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { loadDocument } from '../../client/loadDocument';
import { formatDuration } from '../../domain/duration';
import { escalationPoliciesSchema, policyFor } from '../../domain/incident';
import type { IncidentStatus } from '../../domain/incidentStatus';
import type { RolloutStatus } from '../../domain/rolloutStatus';
import { REPO_ROOT } from '../temporal/temporalBinaries';
import { CLI_PREFIX, quoted, say, secondsBetween, show } from './demoOutput';
import { BAD_VERSION, DemoFailure, ESCALATION, GOOD_VERSION, MAIL_STORE, REPORT_LINES, SENIOR } from './demoSettings';
import type { Stack } from './demoStack';
import { mailThreadRoot, readMailThread, readSlackThread, renderThreads } from './incidentTranscript';
import { runRampart, type RampartRun } from './runRampart';

/** `rampart incident status ID --json`, quietly; undefined while there is no such incident. */
async function readIncident(env: NodeJS.ProcessEnv, id: string): Promise<IncidentStatus | undefined> {
  const run = await runRampart(['incident', 'status', id, '--json'], { env, cwd: REPO_ROOT, timeoutMs: 30_000 });
  if (run.code !== 0) return undefined;
  try {
    return JSON.parse(run.stdout) as IncidentStatus;
  } catch {
    return undefined;
  }
}

/** Polls the incident (as a user would, with the CLI) until `done`; bounded, and stops when the demo is aborted. */
async function waitForIncident(env: NodeJS.ProcessEnv, id: string, what: string, done: (s: IncidentStatus) => boolean, timeoutMs: number, signal: AbortSignal): Promise<IncidentStatus> {
  const deadline = Date.now() + timeoutMs;
  let last: IncidentStatus | undefined;
  for (;;) {
    last = (await readIncident(env, id)) ?? last;
    if (last && done(last)) return last;
    if (signal.aborted) throw signal.reason;
    if (Date.now() > deadline) {
      const where = last ? `it is ${last.state}, last paged ${last.tier?.name ?? 'nobody'}` : 'there is no such incident';
      throw new DemoFailure(`incident ${id}: ${what} did not happen within ${timeoutMs / 1000} s (${where})`);
    }
    await delay(500);
  }
}

export interface IncidentRun {
  status: IncidentStatus;
  /** The first tier paged, its roster and deadline: "on-call (olga)", "5s". */
  onCall: string;
  onCallDeadline: string;
  escalatedTo: string;
  escalatedAt?: string;
  reportPath?: string;
  channelName?: string;
  headerUpdates: number;
  replies: number;
  mails: number;
  mailRoot?: string;
}

/**
 * The last step: the incident the breaker opened. Nobody on-call acknowledges, so it escalates
 * once; the senior engineer acknowledges and resolves it; then the root cause analysis, and what
 * Slack and mail carried, read back from the stand-ins.
 */
export async function followIncident(options: {
  stack: Stack;
  env: NodeJS.ProcessEnv;
  rollout: RolloutStatus;
  rootCause: string;
  step: <T>(work: Promise<T>) => Promise<T>;
  signal: AbortSignal;
}): Promise<IncidentRun> {
  const { stack, env, step, signal } = options;
  const opening = options.rollout.timeline.find((e) => e.event === 'incident opened' || e.event === 'incident not opened');
  if (opening?.event !== 'incident opened' || !opening.detail) {
    throw new DemoFailure(`the breaker of ${options.rollout.rolloutId} opened no incident${opening?.detail ? `: ${opening.detail}` : ''}`);
  }
  const id = opening.detail;
  const logFile = join(stack.dir, 'incident.log');
  const cli = async (args: string[]): Promise<RampartRun> => {
    say(`\n  $ bin/rampart ${quoted(args)}`);
    const run = await step(runRampart(args, { env, cwd: REPO_ROOT, prefix: CLI_PREFIX, logFile, timeoutMs: 60_000 }));
    if (run.code !== 0) throw new DemoFailure(`\`bin/rampart ${args.slice(0, 2).join(' ')}\` exited with ${run.timedOut ? 'a timeout' : (run.signal ?? run.code)}: ${run.stderr.trim() || '(no message)'}`);
    return run;
  };

  const opened = await step(waitForIncident(env, id, 'the first page', (s) => s.tier !== null, 30_000, signal));
  // Who was paged first, from the policy itself: by now the incident may have escalated already.
  const policy = policyFor((await step(loadDocument(ESCALATION, escalationPoliciesSchema))).value, opened.severity);
  const first = policy?.tiers[policy.startTier];
  if (!first) throw new DemoFailure(`${show(ESCALATION)} has no policy for ${opened.severity}`);
  const onCall = `${first.name} (${first.people.map((p) => p.name).join(', ')})`;
  say(`  the breaker opened ${id} (${opened.severity}, policy "${opened.policy}" of ${show(ESCALATION)})`);
  say(`  paged: ${onCall}, to acknowledge within ${formatDuration(first.ackDeadline)}; nobody does, so the demo waits past that deadline ...`);
  const escalated = await step(waitForIncident(env, id, 'the escalation to the next tier', (s) => (s.tier?.index ?? 0) > 0 || s.state !== 'open', 60_000, signal));
  if (escalated.state !== 'open' || !escalated.tier) throw new DemoFailure(`incident ${id} is ${escalated.state} before anyone acknowledged it`);
  const escalatedAt = escalated.timeline.find((e) => e.event === 'escalated')?.at;
  say(`  escalated to ${escalated.tier.name} (${escalated.tier.roster.join(', ')}) ${secondsBetween(escalated.openedAt, escalatedAt)} after the incident opened`);

  await cli(['incident', 'status', id]);
  await cli(['incident', 'ack', id, '--by', SENIOR, '--reason', 'on it; the rollout already rolled itself back']);
  await cli(['incident', 'resolve', id, '--by', SENIOR, '--reason', `${BAD_VERSION} rolled back, every target healthy on ${GOOD_VERSION}`, '--root-cause', options.rootCause]);
  // The workflow sends its last Slack reply and mail, then writes the report, and ends.
  const final = await step(waitForIncident(env, id, 'the root cause analysis', (s) => s.timeline.some((e) => e.event === 'root cause analysis written'), 60_000, signal));
  const reportPath = final.timeline.find((e) => e.event === 'root cause analysis written')?.detail;

  say(`\n  $ bin/rampart incident report ${id}   (the root cause analysis, Markdown; first ${REPORT_LINES} lines)`);
  const report = await step(runRampart(['incident', 'report', id], { env, cwd: REPO_ROOT, logFile, timeoutMs: 60_000 }));
  if (report.code !== 0) throw new DemoFailure(`\`bin/rampart incident report\` exited with ${report.signal ?? report.code}: ${report.stderr.trim()}`);
  const lines = report.stdout.trimEnd().split('\n');
  for (const line of lines.slice(0, REPORT_LINES)) say(`${CLI_PREFIX}${line}`);
  if (lines.length > REPORT_LINES) say(`${CLI_PREFIX}... ${lines.length - REPORT_LINES} more lines${reportPath ? `; the whole report is also in ${show(reportPath)}` : ''}`);

  say(`\n  what the people paged saw, read back from the stand-ins:`);
  const slack = stack.slack!;
  const smtp = stack.smtp!;
  const slackThread = final.slackThread ? await step(readSlackThread(slack.url, final.slackThread)) : undefined;
  const mails = readMailThread(join(stack.dir, MAIL_STORE), id);
  const where = { slack: `${new URL('../_test/messages', slack.url).href}`, smtp: smtp.url };
  for (const line of renderThreads({ slack: slackThread, mails }, final.openedAt, where)) say(line);

  // The demo promises a thread in each; say exactly what is missing if not.
  const problems: string[] = [];
  const replies = slackThread?.replies.map((r) => r.text) ?? [];
  const expected: [string, RegExp][] = [
    ['the first page', new RegExp(`^Paging ${first.name}:`)],
    ['the escalation', new RegExp(`^Paging ${escalated.tier.name}:`)],
    ['the acknowledgement', new RegExp(`^Acknowledged by ${SENIOR}`)],
    ['the resolution', new RegExp(`^Resolved by ${SENIOR}`)],
  ];
  if (!slackThread) problems.push('no Slack thread');
  else for (const [what, pattern] of expected) if (!replies.some((t) => pattern.test(t))) problems.push(`no Slack reply for ${what}`);
  const mailRoot = mailThreadRoot(mails);
  if (mails.length < 3) problems.push(`${mails.length} mail(s) instead of one each for the pages, the acknowledgement and the resolution`);
  else if (!mailRoot) problems.push('the mails are not one thread');
  if (problems.length > 0) {
    const failed = final.timeline.filter((e) => e.event === 'notification failed').map((e) => e.detail);
    throw new DemoFailure(`incident ${id}: ${problems.join('; ')}${failed.length > 0 ? ` (the incident noted: ${failed.join('; ')})` : ''}; see ${show(join(stack.dir, 'worker.log'))}`);
  }
  return {
    status: final,
    onCall,
    onCallDeadline: formatDuration(first.ackDeadline),
    escalatedTo: `${escalated.tier.name} (${escalated.tier.roster.join(', ')})`,
    ...(escalatedAt ? { escalatedAt } : {}),
    ...(reportPath ? { reportPath } : {}),
    ...(slackThread ? { channelName: slackThread.channelName } : {}),
    headerUpdates: slackThread?.header.updates ?? 0,
    replies: replies.length,
    mails: mails.length,
    ...(mailRoot ? { mailRoot } : {}),
  };
}
