import { isAbsolute, relative, resolve } from 'node:path';
import { readFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import { z } from 'zod';
import { commandArgsSchema, stopArgsSchema } from '../../contract/commandArgs';
import { newRolloutId, ROLLOUT_ID_RULE } from '../../contract/ids';
import type { RolloutCommand } from '../../contract/rollout';
import type { LeaseGrant } from '../../contract/lease';
import { AlreadyExistsError } from '../errors';
import { LeaseHeldError } from '../fleetLeaseClient';
import { RolloutClient } from '../rolloutClient';
import { describeErrors, parseInput } from '../../domain/issues';
import { releaseSchema, type Release } from '../../domain/release';
import { FINAL_STATES } from '../../domain/rolloutStatus';
import type { RolloutInput } from '../../domain/rolloutInput';
import { checkArchiveEntries } from '../../artifacts/entries';
import { regularFileProblem } from '../regularFile';
import { readArtifactManifest } from '../../artifacts/manifest';
import { checkRolloutInputSize, checkStore, loadRolloutDocuments } from '../rolloutDocuments';
import { EXIT, UserError } from '../exitCodes';
import { parseFlags } from '../parseFlags';
import { readRolloutStatus, renderStatus, renderTimelineEntry } from '../rolloutStatusView';
import { terminalJson, terminalText, tty } from '../../domain/escape/terminal';
import { withRollouts } from '../temporalSession';
import { defaultUser } from '../defaultUser';
import { gateStart, refuseOverdueWithoutBreakGlass } from '../reviewGate';
import { ChangeControlClient } from '../changeControlClient';
import { BREAK_GLASS_LIMITS } from '../../domain/breakGlass';
import { durationBetween } from '../../domain/duration';
import { registerRecoverCommand } from './rolloutRecover';
import { registerRolloutListCommand } from './rolloutList';

const DEFAULT_FLEET = '.rampart/fleet/fleet.json';

/** A file as the operator would name it: relative to here when it is below here. */
const shownPath = (file: string): string => {
  const rel = relative(process.cwd(), file);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
};


async function readDigest(artifact: string, explicit?: string): Promise<string> {
  if (explicit) return explicit;
  // A digest file that is a FIFO or a device would hang the read: only a regular file is read.
  const text = (await regularFileProblem(`${artifact}.sha256`)) ? undefined : await readFile(`${artifact}.sha256`, 'utf8').catch(() => undefined);
  const digest = text?.trim().split(/\s+/)[0];
  if (!digest) throw new UserError(`--sha256: no digest given and ${artifact}.sha256 not found beside the artifact`);
  return digest;
}

/**
 * The refusals the worker would make, made early: outside the artifact store (when this
 * environment names it, as the worker's does), or an archive holding an entry extraction would
 * drop or that leads out of the release folder.
 */
async function checkArtifact(artifactPath: string): Promise<void> {
  // The archive first: a file that is missing or not an archive is the mistake to report, wherever it is.
  const entries = await checkArchiveEntries(artifactPath);
  if (!entries.ok) throw new UserError(`--artifact: ${entries.error}`);
  await checkStore('--artifact', artifactPath, 'artifact');
}

async function buildRelease(flags: { artifact: string; sha256?: string; notes?: string }): Promise<Release> {
  const artifactPath = resolve(flags.artifact);
  // Reading a FIFO would wait forever, a device read forever.
  const notAFile = await regularFileProblem(artifactPath);
  if (notAFile) throw new UserError(`--artifact: ${notAFile}`);
  await checkArtifact(artifactPath);
  const manifest = await readArtifactManifest(artifactPath);
  if (!manifest.ok) throw new UserError(`--artifact: ${manifest.error}`);
  const release = parseInput(releaseSchema, {
    version: manifest.value.version,
    artifactPath,
    sha256: await readDigest(artifactPath, flags.sha256),
    notes: flags.notes ?? manifest.value.notes,
  });
  if (!release.ok) throw new UserError(`release metadata: ${describeErrors(release.errors)}`);
  return release.value;
}

const startFlags = z.strictObject({
  playbook: z.string().min(1),
  fleet: z.string().min(1),
  artifact: z.string().min(1),
  sha256: z.string().optional(),
  notes: releaseSchema.shape.notes.optional(),
  id: z.string().regex(ROLLOUT_ID_RULE, 'expected letters, digits, ".", "_" or "-"').optional(),
  by: commandArgsSchema.shape.by,
  reason: commandArgsSchema.shape.reason,
  json: z.boolean().optional(),
  wait: z.boolean().optional(),
  customers: z.string().min(1).optional(),
  queue: z.boolean().optional(),
  breakGlass: z.boolean().optional(),
  approver: z.string().optional(),
  for: durationBetween(BREAK_GLASS_LIMITS.duration.min, BREAK_GLASS_LIMITS.duration.max).optional(),
});

async function startRollout(raw: unknown): Promise<void> {
  const flags = parseFlags(startFlags, raw);
  // One "now" for every date rule of this start: an approval dated later is refused, a review past its date too.
  const now = new Date();
  const docs = await loadRolloutDocuments({ playbook: flags.playbook, fleet: flags.fleet, customers: flags.customers, now });
  const { playbook, fleet, customers, escalation } = docs;
  const release = await buildRelease(flags);
  const plan = { steps: docs.steps };
  const reviewed = [
    { file: flags.playbook, doc: playbook.value },
    ...(docs.escalationPolicy ? [{ file: shownPath(docs.escalationPolicy.file), doc: docs.escalationPolicy.value }] : []),
  ];
  refuseOverdueWithoutBreakGlass(reviewed, flags, now);
  if (flags.for !== undefined && !flags.breakGlass) throw new UserError('--for: only with --break-glass (how long it lets the rollout past freezes)');
  const rolloutId = flags.id ?? newRolloutId(playbook.value.name, release.version, randomBytes(3).toString('hex'));
  await withRollouts(async (rollouts) => {
    // Freezes live in change control on the server: the rest of the gate waits for them.
    const { frozen } = await new ChangeControlClient(rollouts.client, rollouts.taskQueue).startBar(release.version, fleet.value.name, 3000, now);
    const breakGlass = gateStart(reviewed, flags, now, frozen);
    const input: RolloutInput = {
      rolloutId,
      playbook: playbook.raw,
      fleet: fleet.raw,
      release,
      startedBy: flags.by,
      ...(flags.reason ? { reason: flags.reason } : {}),
      ...(escalation !== undefined ? { escalation } : {}),
      ...(breakGlass ? { breakGlass } : {}),
      ...customers,
    };
    checkRolloutInputSize(input);
    let lease: LeaseGrant | null;
    try {
      ({ lease } = await rollouts.startLeased(input, { queue: Boolean(flags.queue), ...(flags.for !== undefined ? { freezeOverrideMs: flags.for } : {}) }));
    } catch (err) {
      if (err instanceof AlreadyExistsError) throw new UserError(`--id: ${err.message}`);
      if (err instanceof LeaseHeldError) throw new LeaseHeldError(`${err.reason}; wait until it ends, or start again with --queue to wait in line`, err.blockers);
      throw err;
    }
    if (flags.json) console.log(JSON.stringify({ rolloutId, version: release.version, steps: plan.steps.map((s) => s.name), lease, ...(breakGlass ? { breakGlass } : {}) }));
    else {
      console.log(`started rollout ${rolloutId}: ${release.version} to ${fleet.value.targets.length} target(s) in ${plan.steps.length} step(s) (${plan.steps.map((s) => `${s.name}:${s.targets.length}`).join(', ')})`);
      if (breakGlass) console.log(terminalText(`break-glass, approved by ${breakGlass.approver}, recorded in its timeline: ${breakGlass.overrides.join('; ')}`));
      for (const line of describeLease(lease)) console.log(line);
      if (customers && 'customersFile' in customers) {
        console.log(`customers file ${customers.customersFile.path} is too large to travel with the rollout: workers read it at that path, and refuse it if it changes before they do`);
      }
      console.log(`follow it with: rampart rollout watch ${rolloutId}`);
    }
    if (flags.wait) process.exitCode = await watchRollout(rollouts, rolloutId, Boolean(flags.json));
  });
}

/** What the start's lease means for the operator: taken over from a rollout that had ended, or waiting in line. */
function describeLease(lease: LeaseGrant | null): string[] {
  if (!lease) return [];
  const lines = lease.takenOver.map((t) => `took over the lease on fleet ${lease.fleet} from rollout ${t.rolloutId}, which is ${t.state}`);
  if (lease.state === 'queued') {
    const behind = lease.blockers.map((b) => `${b.rolloutId} (${b.queued ? 'waiting for' : 'holding'} ${b.overlap} of its targets)`).join(', ');
    lines.push(`queued: waiting in line for fleet ${lease.fleet} behind ${behind}; it starts when they end, and touches nothing before`);
  }
  return lines;
}

/** Prints the timeline as it grows until the rollout ends; the exit code says how it ended. */
export async function watchRollout(rollouts: RolloutClient, rolloutId: string, json: boolean, pollMs = 1000): Promise<number> {
  let printed = 0;
  let lastLine = '';
  for (;;) {
    const status = await readRolloutStatus(rollouts, rolloutId);
    for (const entry of status.timeline.slice(printed)) {
      if (json) console.log(terminalJson({ type: 'event', ...entry }));
      else console.log(renderTimelineEntry(entry));
    }
    printed = status.timeline.length;
    const installed = status.targets.filter((t) => t.version === status.version && t.state === 'installed').length;
    const line = tty`  ${status.state} ${status.step ?? status.phase}: ${installed}/${status.targets.length} on ${status.version}`;
    if (!json && line !== lastLine) console.log(line);
    lastLine = line;
    if (FINAL_STATES.includes(status.state) || status.state === 'held') {
      if (json) console.log(terminalJson({ type: 'end', state: status.state, outcome: status.outcome }));
      return status.state === 'completed' ? EXIT.ok : EXIT.notCompleted;
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

const idFlag = z.string().min(1, 'give a rollout id');

async function showStatus(id: string, raw: { json?: boolean }): Promise<void> {
  const rolloutId = parseFlags(z.object({ id: idFlag }), { id }).id;
  await withRollouts(async (rollouts) => {
    await rollouts.describe(rolloutId);
    const status = await readRolloutStatus(rollouts, rolloutId);
    console.log(raw.json ? terminalJson(status, 2) : renderStatus(status));
  });
}

async function watch(id: string, raw: { json?: boolean; interval?: string }): Promise<void> {
  await withRollouts(async (rollouts) => {
    await rollouts.describe(id);
    process.exitCode = await watchRollout(rollouts, id, Boolean(raw.json));
  });
}

/** Sends one command as a Temporal Update; a rejection (exit 3) names its reason. */
async function sendCommand(command: RolloutCommand, id: string, raw: Record<string, unknown>): Promise<void> {
  const schema = command === 'stop' ? stopArgsSchema : commandArgsSchema;
  const args = parseFlags(schema, { by: raw.by, reason: raw.reason, ...(command === 'stop' ? { then: raw.then } : {}) });
  await withRollouts(async (rollouts) => {
    const answer = await rollouts.command(id, command, args);
    console.log(raw.json ? terminalJson({ rolloutId: id, command, accepted: true, message: answer }) : terminalText(answer));
  });
}

export function registerRolloutCommands(program: Command): void {
  const rollout = program.command('rollout').description('start and steer rollouts');
  rollout
    .command('start')
    .description('start a rollout of an artifact to a fleet under a playbook')
    .requiredOption('--playbook <file>', 'playbook YAML')
    .option('--fleet <file>', 'fleet file (from "rampart fleet up" by default)', DEFAULT_FLEET)
    .requiredOption('--artifact <file>', 'artifact .tar.gz; its digest is read from <file>.sha256 unless --sha256 is given')
    .option('--sha256 <hex>', 'expected sha256 of the artifact')
    .option('--notes <text>', 'release notes (default: from the artifact manifest)')
    .option('--id <id>', 'rollout id (default: <playbook>-<version>-<random>)')
    .option('--by <user>', 'who starts it', defaultUser())
    .option('--reason <text>', 'why')
    .option('--customers <file>', 'customers file: windows, channels, N-1 pins and notices per customer')
    .option('--break-glass', 'start although a playbook or escalation policy is past its review date, or a freeze is in force; needs --reason and --approver')
    .option('--approver <user>', 'with --break-glass: who approves it (someone other than --by)')
    .option('--for <duration>', 'with --break-glass during a freeze: how long it lets the rollout past freezes (1m to 24h; default 4h)')
    .option('--queue', 'if another rollout holds some of these targets, wait in line for them instead of being refused (exit 3)')
    .option('--wait', 'watch until the rollout ends; exit 0 only if it completed')
    .option('--json', 'print JSON')
    .action((opts) => startRollout(opts));
  rollout.command('status <id>').description('state, phase, wave, targets, approvals and timeline').option('--json', 'print JSON').action(showStatus);
  rollout.command('watch <id>').description('follow a rollout live until it ends').option('--json', 'print one JSON object per line').action(watch);
  const commands: [RolloutCommand, string][] = [
    ['pause', 'start no new target until resumed (the health breaker stays armed)'],
    ['resume', 'continue a paused or held rollout'],
    ['approve', 'approve the step the rollout is waiting at'],
    ['promote', 'end the current bake early once the health gate passes'],
    ['stop', 'emergency stop: start nothing new, then roll back (default) or hold'],
    ['rollback', 'roll back every target this rollout changed, newest first'],
  ];
  for (const [name, description] of commands) {
    const cmd = rollout
      .command(`${name} <id>`)
      .description(description)
      .option('--by <user>', 'who gives the command', defaultUser())
      .option('--reason <text>', 'why')
      .option('--json', 'print JSON');
    if (name === 'stop') cmd.option('--then <action>', 'rollback or hold', 'rollback');
    cmd.action((id: string, opts: Record<string, unknown>) => sendCommand(name, id, opts));
  }
  registerRecoverCommand(rollout);
  registerRolloutListCommand(rollout);
}
