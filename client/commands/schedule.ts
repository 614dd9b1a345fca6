import type { Command } from 'commander';
import { z } from 'zod';
import { trainNameSchema } from '../../domain/train';
import { isoInZone, nextTimes } from '../../domain/trainTimes';
import { terminalJson, terminalText } from '../../domain/escape/terminal';
import { reasonText } from '../../domain/freeText';
import { formatDuration } from '../../domain/duration';
import { defaultUser } from '../defaultUser';
import { parseFlags } from '../parseFlags';
import { withTemporal } from '../temporalSession';
import { TrainClient, type TrainRunView } from '../trainClient';
import { loadTrainFile } from '../trainFile';
import { timesSpecOf } from '../trainScheduleSpec';

const NEXT_RUNS = 5;

function withTrains<T>(use: (trains: TrainClient) => Promise<T>): Promise<T> {
  return withTemporal((client, config) => use(new TrainClient(client, config.taskQueue)));
}

const trainName = (name: string): string => parseFlags(z.object({ train: trainNameSchema }), { train: name }).train;

const weekday = (iso: string, zone: string) => new Intl.DateTimeFormat('en-US', { timeZone: zone, weekday: 'short' }).format(new Date(iso));

async function validate(file: string, opts: { json?: boolean }): Promise<void> {
  const loaded = await loadTrainFile(file);
  const zone = loaded.train.timeZone;
  const nextRuns = nextTimes(timesSpecOf(loaded.train), Math.floor(Date.now() / 1000), NEXT_RUNS).map((t) => isoInZone(t, zone));
  if (opts.json) {
    console.log(terminalJson({ name: loaded.train.name, timeZone: zone, nextRuns }));
    return;
  }
  console.log(terminalText(`train ${loaded.train.name} is valid: channel ${loaded.runInput.channel}`));
  console.log(terminalText(`next ${nextRuns.length} runs (${zone}${loaded.train.jitter ? `, each up to ${formatDuration(loaded.train.jitter)} later by jitter` : ''}):`));
  for (const run of nextRuns) console.log(`  ${run} ${weekday(run, zone)}`);
}

async function apply(file: string, opts: { json?: boolean }): Promise<void> {
  const loaded = await loadTrainFile(file);
  await withTrains(async (trains) => {
    const result = await trains.apply(loaded);
    const scheduleId = trains.scheduleId(loaded.train.name);
    if (opts.json) console.log(terminalJson({ name: loaded.train.name, scheduleId, result }));
    else console.log(terminalText(`train ${loaded.train.name}: ${result} (schedule ${scheduleId})`));
  });
}

function renderRun(run: TrainRunView): string {
  const ended = run.result ? `: ${run.result.outcome}: ${run.result.reason}` : '';
  return `  ${run.scheduledAt} ${run.workflowId} ${run.status.toLowerCase()}${ended}`;
}

async function describe(name: string, opts: { json?: boolean }): Promise<void> {
  const train = trainName(name);
  await withTrains(async (trains) => {
    const d = await trains.describe(train);
    const zone = d.spec.timezone ?? 'UTC';
    const nextRuns = d.info.nextActionTimes.slice(0, NEXT_RUNS).map((t) => isoInZone(Math.floor(t.getTime() / 1000), zone));
    const recentRuns = await trains.recentRuns(d);
    const view = {
      name: train,
      scheduleId: d.scheduleId,
      paused: d.state.paused,
      ...(d.state.note ? { note: d.state.note } : {}),
      timeZone: zone,
      nextRuns,
      overlap: d.policies.overlap,
      actionsTaken: d.info.numActionsTaken,
      skippedOverlap: d.info.numActionsSkippedOverlap,
      missedCatchupWindow: d.info.numActionsMissedCatchupWindow,
      running: d.info.runningActions.map((a) => a.workflow.workflowId),
      recentRuns,
    };
    if (opts.json) {
      console.log(terminalJson(view, 2));
      return;
    }
    const lines = [
      `train ${train} (schedule ${d.scheduleId})${d.state.paused ? ` PAUSED${d.state.note ? `: ${d.state.note}` : ''}` : ''}`,
      `next ${nextRuns.length} runs (${zone}):`,
      ...nextRuns.map((r) => `  ${r} ${weekday(r, zone)}`),
      `runs taken ${view.actionsTaken}, skipped while one ran (overlap ${String(view.overlap).toLowerCase()}) ${view.skippedOverlap}, missed (server down past the catch-up window) ${view.missedCatchupWindow}`,
      ...(view.running.length > 0 ? [`running now: ${view.running.join(', ')}`] : []),
      ...(recentRuns.length > 0 ? ['recent runs:', ...recentRuns.map(renderRun)] : []),
    ];
    console.log(terminalText(lines.join('\n')));
  });
}

async function list(opts: { json?: boolean }): Promise<void> {
  await withTrains(async (trains) => {
    const all = await trains.list();
    const rows = all.map(({ name, summary }) => {
      const zone = summary.spec?.timezone ?? 'UTC';
      const next = summary.info.nextActionTimes[0];
      return { name, paused: summary.state.paused, timeZone: zone, nextRun: next ? isoInZone(Math.floor(next.getTime() / 1000), zone) : null };
    });
    if (opts.json) console.log(terminalJson(rows));
    else if (rows.length === 0) console.log('no trains; apply one with: rampart schedule apply FILE');
    else {
      const width = Math.max(...rows.map((r) => r.name.length));
      for (const r of rows) console.log(terminalText(`${r.name.padEnd(width)}  ${r.paused ? 'paused' : 'active'}  next ${r.nextRun ?? 'none'} (${r.timeZone})`));
    }
  });
}

const noteFlags = z.strictObject({ by: z.string().min(1).max(64), reason: reasonText().optional() });

async function pauseOrUnpause(what: 'pause' | 'unpause', name: string, raw: unknown): Promise<void> {
  const train = trainName(name);
  const flags = parseFlags(noteFlags, raw);
  const note = `${what}d by ${flags.by}${flags.reason ? `: ${flags.reason}` : ''}`;
  await withTrains(async (trains) => {
    await (what === 'pause' ? trains.pause(train, note) : trains.unpause(train, note));
    console.log(terminalText(`train ${train} ${what}d (${note})`));
  });
}

async function trigger(name: string): Promise<void> {
  const train = trainName(name);
  await withTrains(async (trains) => {
    await trains.trigger(train);
    console.log(terminalText(`train ${train}: a run starts now, unless one is still running (then it is skipped and counted; see rampart schedule describe ${train})`));
  });
}

const isoTime = z.string().refine((t) => /^\d{4}-\d{2}-\d{2}T/.test(t) && !Number.isNaN(Date.parse(t)), 'expected an ISO timestamp such as 2026-12-08T10:00:00-05:00');
const backfillFlags = z.strictObject({ from: isoTime, to: isoTime }).refine((f) => Date.parse(f.from) < Date.parse(f.to), { message: 'must be after --from', path: ['to'] });

async function backfill(name: string, raw: unknown): Promise<void> {
  const train = trainName(name);
  const flags = parseFlags(backfillFlags, raw);
  await withTrains(async (trains) => {
    await trains.backfill(train, new Date(flags.from), new Date(flags.to));
    console.log(terminalText(`train ${train}: the runs due from ${flags.from} to ${flags.to} are taken now, one at a time (overlap skip)`));
  });
}

async function remove(name: string): Promise<void> {
  const train = trainName(name);
  await withTrains(async (trains) => {
    await trains.delete(train);
    console.log(terminalText(`train ${train}: schedule deleted; a rollout it started keeps running`));
  });
}

export function registerScheduleCommands(program: Command): void {
  const schedule = program.command('schedule').description('release trains on Temporal Schedules');
  schedule.command('validate <file>').description('check a train file offline and print its next 5 run times').option('--json', 'print { name, timeZone, nextRuns }').action(validate);
  schedule.command('apply <file>').description('create or update the train\'s schedule (twice changes nothing)').option('--json', 'print JSON').action(apply);
  schedule.command('list').description('the trains of this task queue').option('--json', 'print JSON').action(list);
  schedule.command('describe <train>').description('next 5 run times in the train\'s zone, skipped runs, recent runs').option('--json', 'print JSON').action(describe);
  for (const what of ['pause', 'unpause'] as const) {
    schedule
      .command(`${what} <train>`)
      .description(what === 'pause' ? 'take no scheduled run until unpaused' : 'take scheduled runs again')
      .option('--by <user>', 'who', defaultUser())
      .option('--reason <text>', 'why')
      .action((name: string, opts: unknown) => pauseOrUnpause(what, name, opts));
  }
  schedule.command('trigger <train>').description('run the train now (skipped while a run is still going)').action(trigger);
  schedule
    .command('backfill <train>')
    .description('take now the runs that were due between two times')
    .requiredOption('--from <time>', 'ISO timestamp')
    .requiredOption('--to <time>', 'ISO timestamp')
    .action(backfill);
  schedule.command('delete <train>').description('delete the train\'s schedule (rollouts it started keep running)').action(remove);
}
