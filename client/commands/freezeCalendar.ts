import type { Command } from 'commander';
import { z } from 'zod';
import { overrideFreezeArgsSchema, removeFreezeArgsSchema, type FreezeRule, type FreezeRuleInput } from '../../contract/freeze';
import { BREAK_GLASS_LIMITS } from '../../domain/breakGlass';
import { durationBetween, HOUR } from '../../domain/duration';
import { describeScope, freezeRuleSchema, freezesInForce, upcomingWindows } from '../../calendars/freezeCalendar';
import { parseInput } from '../../domain/issues';
import { terminalJson, tty } from '../../domain/escape/terminal';
import { ChangeControlClient } from '../changeControlClient';
import { defaultUser } from '../defaultUser';
import { UserError } from '../exitCodes';
import { loadFreezeCalendar } from '../freezeFile';
import { parseFlags } from '../parseFlags';
import { withRollouts } from '../temporalSession';

/** Windows shown per freeze by list and validate. */
const SHOWN_WINDOWS = 3;

function windowsOf(rule: Parameters<typeof upcomingWindows>[0], now: Date): Array<{ start: string; end: string }> {
  return upcomingWindows(rule, now, SHOWN_WINDOWS).map((w) => ({ start: w.start.toISOString(), end: w.end.toISOString() }));
}

function describeRule(rule: { name: string; reason: string; scope: FreezeRule['scope']; timeZone: string }, windows: Array<{ start: string; end: string }>, inForce = false): string[] {
  return [
    tty`${rule.name}: ${rule.reason} (${describeScope(rule.scope)}, ${rule.timeZone})` + (inForce ? '  [IN FORCE]' : ''),
    ...(windows.length > 0 ? windows.map((w) => `  ${w.start} → ${w.end}`) : ['  no window ahead (ended)']),
  ];
}

/** `freeze validate FILE`: offline, the calendar's errors with positions (exit 2), or each freeze's next windows. */
async function validate(file: string, opts: { json?: boolean }): Promise<void> {
  const { value } = await loadFreezeCalendar(file);
  const now = new Date();
  const freezes = value.freezes.map((f) => ({ name: f.name, timeZone: f.timeZone, scope: f.scope, nextWindows: windowsOf(f, now) }));
  if (opts.json) console.log(terminalJson({ file, freezes }));
  else {
    console.log(`${file}: ${value.freezes.length} freeze(s), valid`);
    for (const f of value.freezes) for (const line of describeRule(f, windowsOf(f, now))) console.log(line);
  }
}

/** `freeze apply FILE`: the file's freezes replace those of the last apply; twice in a row changes nothing. */
async function apply(file: string, opts: { by: string; json?: boolean }): Promise<void> {
  const { raw } = await loadFreezeCalendar(file);
  const by = parseFlags(z.strictObject({ by: overrideFreezeArgsSchema.shape.by }), { by: opts.by }).by;
  await withRollouts(async (rollouts) => {
    const control = new ChangeControlClient(rollouts.client, rollouts.taskQueue);
    const answer = await control.applyFreezeCalendar({ by, freezes: (raw as { freezes: FreezeRuleInput[] }).freezes });
    // A freeze that ended or went away releases whoever waits on it now, not at the next hourly look.
    if (answer.removed.length > 0 || answer.changed.length > 0) await control.wakeFrozen((await control.state()).running ?? []);
    if (opts.json) console.log(terminalJson({ file, ...answer }));
    else if (answer.added.length + answer.changed.length + answer.removed.length === 0) console.log(`${file}: no change`);
    else {
      const parts = ([['added', answer.added], ['changed', answer.changed], ['removed', answer.removed]] as const).filter(([, names]) => names.length > 0);
      console.log(`${file}: ${parts.map(([what, names]) => `${what} ${names.join(', ')}`).join('; ')}`);
    }
  });
}

const addFlags = z.strictObject({
  name: z.string(),
  reason: z.string(),
  timeZone: z.string().default('UTC'),
  from: z.string().optional(),
  until: z.string().optional(),
  rrule: z.string().optional(),
  start: z.string().optional(),
  duration: z.string().optional(),
  fleet: z.string().optional(),
  labels: z.string().optional(),
  by: z.string(),
  json: z.boolean().optional(),
});

/** "region=eu,tier=gold" as the labels of a scope; a malformed pair is bad input naming --labels. */
function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const pair of text.split(',')) {
    const [key, value, extra] = pair.split('=');
    if (!key || value === undefined || extra !== undefined) throw new UserError(`--labels: expected KEY=VALUE pairs separated by commas, got "${pair}"`);
    labels[key.trim()] = value.trim();
  }
  return labels;
}

/** `freeze add`: one freeze, checked here as a file's would be; exit 3 when the name is taken. */
async function add(opts: Record<string, unknown>): Promise<void> {
  const flags = parseFlags(addFlags, opts);
  if (flags.fleet !== undefined && flags.labels !== undefined) throw new UserError('--fleet, --labels: give one scope, not both');
  const scope = flags.fleet !== undefined ? { fleet: flags.fleet } : flags.labels !== undefined ? { labels: parseLabels(flags.labels) } : 'all';
  const { json: _j, by, fleet: _f, labels: _l, ...rule } = flags;
  const freeze = { ...Object.fromEntries(Object.entries(rule).filter(([, v]) => v !== undefined)), scope } as FreezeRuleInput;
  const parsed = parseInput(freezeRuleSchema, freeze);
  if (!parsed.ok) throw new UserError(parsed.errors.map((e) => `--${e.path.replace(/^timeZone/, 'time-zone').split('.')[0]}: ${e.message}`).join('\n'));
  const now = new Date();
  const windows = windowsOf(parsed.value, now);
  if (windows.length === 0) throw new UserError(`--until: the freeze ended before now (${now.toISOString()}): nothing to add`);
  await withRollouts(async (rollouts) => {
    const added = await new ChangeControlClient(rollouts.client, rollouts.taskQueue).addFreeze({ by, freeze });
    if (flags.json) console.log(terminalJson({ freeze: added, nextWindows: windows }));
    else for (const line of ['freeze added:', ...describeRule(added, windows)]) console.log(line);
  });
}

async function remove(name: string, opts: { by: string; reason?: string; json?: boolean }): Promise<void> {
  const args = parseFlags(removeFreezeArgsSchema, { by: opts.by, name, reason: opts.reason });
  await withRollouts(async (rollouts) => {
    const control = new ChangeControlClient(rollouts.client, rollouts.taskQueue);
    const removed = await control.removeFreeze(args);
    await control.wakeFrozen((await control.state()).running ?? []);
    if (opts.json) console.log(terminalJson({ removed }));
    else console.log(tty`freeze ${removed.name} removed${removed.source === 'file' ? ' (it is in the calendar file: the next "freeze apply" puts it back)' : ''}; rollouts waiting on it go on`);
  });
}

/** `freeze list`: every freeze, whether it holds now, and its next windows. */
async function list(opts: { json?: boolean }): Promise<void> {
  await withRollouts(async (rollouts) => {
    const state = await new ChangeControlClient(rollouts.client, rollouts.taskQueue).state();
    const now = new Date();
    const freezes = state.freezes ?? [];
    const inForce = new Set(freezesInForce(freezes, null, now).map((f) => f.name));
    const rows = freezes.map((f) => ({ ...f, inForce: inForce.has(f.name), nextWindows: windowsOf(f, now) }));
    const overrides = (state.freezeOverrides ?? []).filter((o) => Date.parse(o.until) > now.getTime());
    if (opts.json) {
      console.log(terminalJson({ freezes: rows, overrides }));
      return;
    }
    if (rows.length === 0) console.log('no freezes: rollouts may start and advance at any time');
    for (const row of rows) for (const line of describeRule(row, row.nextWindows, row.inForce)) console.log(line);
    for (const o of overrides) console.log(tty`break-glass: ${o.rolloutId} past every freeze until ${o.until} (approved by ${o.approver} for ${o.requestedBy}: ${o.reason})`);
  });
}

const overrideFlags = z.strictObject({
  by: z.string(),
  approver: z.string({ error: 'name an approver other than you' }),
  reason: z.string({ error: 'say why the freeze must be broken' }),
  for: durationBetween(BREAK_GLASS_LIMITS.duration.min, BREAK_GLASS_LIMITS.duration.max).default(4 * HOUR),
  json: z.boolean().optional(),
});

/** `freeze override ROLLOUT`: break-glass for one rollout past every freeze, for a bounded time; the rollout looks again at once. */
async function override(rolloutId: string, opts: Record<string, unknown>): Promise<void> {
  const flags = parseFlags(overrideFlags, opts);
  const args = parseFlags(overrideFreezeArgsSchema, { by: flags.by, approver: flags.approver, reason: flags.reason, rolloutId, lastsMs: flags.for });
  await withRollouts(async (rollouts) => {
    await rollouts.describe(rolloutId);
    const control = new ChangeControlClient(rollouts.client, rollouts.taskQueue);
    const grant = await control.overrideFreeze(args);
    await control.wakeFrozen([rolloutId]);
    if (flags.json) console.log(terminalJson({ override: grant }));
    else console.log(tty`break-glass granted: ${rolloutId} may go past every freeze until ${grant.until} (approved by ${grant.approver} for ${grant.requestedBy}); recorded in change control and in its timeline when used`);
  });
}

/** The calendar's commands, beside `freeze now|lift|status` (commands/freeze.ts). */
export function registerFreezeCalendarCommands(freeze: Command): void {
  freeze.command('validate <file>').description('check a freeze calendar offline and print each freeze\'s next windows').option('--json', 'print JSON').action(validate);
  freeze
    .command('apply <file>')
    .description('put a freeze calendar in force (replaces the last applied one; freezes added by hand stay)')
    .option('--by <user>', 'who applies it', defaultUser())
    .option('--json', 'print JSON')
    .action(apply);
  freeze
    .command('add')
    .description('add one freeze: --from/--until (one-off) or --rrule/--start/--duration (recurring), local times in --time-zone')
    .requiredOption('--name <name>', 'its name')
    .requiredOption('--reason <text>', 'why nothing may be released then')
    .option('--time-zone <zone>', 'IANA time zone of the times', 'UTC')
    .option('--from <local>', 'one-off: start, e.g. 2026-12-24T00:00')
    .option('--until <local>', 'one-off: end')
    .option('--rrule <rule>', 'recurring: an RFC 5545 RRULE, e.g. "FREQ=WEEKLY;BYDAY=FR"')
    .option('--start <local>', 'recurring: the first window\'s start (DTSTART), e.g. 2026-12-04T14:00')
    .option('--duration <d>', 'recurring: how long each window lasts, e.g. 66h')
    .option('--fleet <name>', 'hold only this fleet (default: all fleets)')
    .option('--labels <k=v,...>', 'hold only the steps with targets carrying these labels')
    .option('--by <user>', 'who adds it', defaultUser())
    .option('--json', 'print JSON')
    .action(add);
  freeze
    .command('remove <name>')
    .description('remove a freeze; rollouts waiting on it go on')
    .requiredOption('--reason <text>', 'why')
    .option('--by <user>', 'who removes it', defaultUser())
    .option('--json', 'print JSON')
    .action(remove);
  freeze.command('list').description('every freeze, whether it is in force, its next windows, and break-glass grants').option('--json', 'print JSON').action(list);
  freeze
    .command('override <rolloutId>')
    .description('break-glass: let one rollout past every freeze for a while (needs an approver other than --by)')
    .requiredOption('--reason <text>', 'why the freeze must be broken')
    .requiredOption('--approver <user>', 'who approves it (someone other than --by)')
    .option('--for <duration>', 'how long it lasts (1m to 24h)', '4h')
    .option('--by <user>', 'who asks for it', defaultUser())
    .option('--json', 'print JSON')
    .action(override);
}
