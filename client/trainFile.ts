/**
 * A train file read and checked offline (no server): the train itself, the documents it names
 * (checked exactly as `rollout start` checks them), its channel, and that it runs at all.
 */
import { readFile, stat } from 'node:fs/promises';
import { LineCounter, parseDocument, isNode } from 'yaml';
import { dirname, resolve } from 'node:path';
import type { TrainRunInput } from '../contract/train';
import { trainSchema, type Train } from '../domain/train';
import { nextTime } from '../domain/trainTimes';
import { DAY } from '../domain/duration';
import { reviewSchemaAsOf } from '../domain/review';
import { UserError } from './exitCodes';
import { DocumentError, loadDocument } from './loadDocument';
import { overdueReviews } from './reviewGate';
import { checkRolloutInputSize, checkStore, loadRolloutDocuments } from './rolloutDocuments';
import { timesSpecOf } from './trainScheduleSpec';

/** A calendar that does not fire within this long is a mistake (Feb 30th, a year gone by). */
export const MUST_RUN_WITHIN_DAYS = 400;

export interface LoadedTrain {
  file: string;
  train: Train;
  /** What every run of the schedule is started with. */
  runInput: TrainRunInput;
}

/** Where a top-level key's value starts in the (already loaded, so readable and valid) file. */
async function positionOf(file: string, key: string): Promise<{ line?: number; column?: number }> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(await readFile(file, 'utf8'), { lineCounter });
  const node = doc.get(key, true);
  const offset = isNode(node) ? node.range?.[0] : undefined;
  if (offset === undefined) return {};
  const pos = lineCounter.linePos(offset);
  return { line: pos.line, column: pos.col };
}

/**
 * Loads the train and everything it names. Errors are DocumentError / UserError (exit 2): the
 * train file's own with line and column; a named file's with its own position; a calendar that
 * never fires in the next 400 days.
 */
export async function loadTrainFile(file: string, now: Date = new Date()): Promise<LoadedTrain> {
  const { value: train } = await loadDocument(file, reviewSchemaAsOf(trainSchema, now));
  const first = nextTime(timesSpecOf(train), Math.floor(now.getTime() / 1000));
  if (first === null || first * 1000 - now.getTime() > MUST_RUN_WITHIN_DAYS * DAY) {
    const key = (['calendars', 'cron', 'intervals'] as const).find((k) => train[k] !== undefined) ?? 'calendars';
    throw new DocumentError([{ file, ...(await positionOf(file, key)), path: key, message: `no run in the next ${MUST_RUN_WITHIN_DAYS} days: check the calendars, cron strings and intervals` }]);
  }
  const near = (path: string) => resolve(dirname(resolve(file)), path);
  const docs = await loadRolloutDocuments({
    playbook: near(train.playbook),
    fleet: near(train.fleet),
    customers: train.customers ? near(train.customers) : undefined,
    escalationFile: train.escalation ? near(train.escalation) : undefined,
    now,
  });
  // A schedule ships without anyone at the keyboard: no break-glass here, every review within its date.
  const overdue = overdueReviews([
    { file, doc: train },
    { file: near(train.playbook), doc: docs.playbook.value },
    ...(docs.escalationPolicy ? [{ file: docs.escalationPolicy.file, doc: docs.escalationPolicy.value }] : []),
  ], now);
  if (overdue.length > 0) throw new UserError(overdue.map((line) => `${line}; have it reviewed, then apply the train again`).join('\n'));
  const channel = near(train.channel);
  const info = await stat(channel).catch(() => undefined);
  if (!info?.isDirectory()) {
    throw new DocumentError([{ file, path: 'channel', message: `${channel} is not a folder: a release channel is a folder of artifacts (rampart artifact build --out ${train.channel})` }]);
  }
  await checkStore('channel', channel, 'release channel');
  const runInput: TrainRunInput = {
    train: train.name,
    duringFreeze: train.duringFreeze,
    channel,
    playbook: docs.playbook.raw,
    fleet: docs.fleet.raw,
    ...(docs.escalation !== undefined ? { escalation: docs.escalation } : {}),
    // A drill tells no customer anything: its customers do not even travel with it.
    ...(train.drill ? { drill: train.drill } : docs.customers),
  };
  checkRolloutInputSize(runInput);
  return { file, train, runInput };
}
