import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { customerStepName, incidentWorkflowId, rollbackWorkflowId, rolloutDedupKey, rolloutWorkflowId, stepWorkflowId } from '../contract/ids';
import type { RolloutStatus } from '../domain/rolloutStatus';

/**
 * Recorded workflow histories: what the replay tests keep from earlier versions of the workflows.
 * A fixture is binary protobuf (History.encode), named `<workflow-or-path>.history.bin`, written
 * only when RAMPART_RECORD_HISTORIES=1 and never overwritten (it stands for the code it came from).
 */
export const FIXTURES = path.join(__dirname, 'fixtures', 'histories');
const SUFFIX = '.history.bin';
type History = temporal.api.history.v1.IHistory;

/** One workflow execution to record: the fixture's name (without suffix) and its workflow id. */
export interface FixtureTarget {
  file: string;
  workflowId: string;
}

/**
 * A rollout and every child it may have started: a step child per step (and per customer's part
 * of a step), its rollback and its breaker's incident. Ids come from contract/ids.ts, as the
 * workflows build them; the ones that never ran are skipped when fetched.
 */
export function rolloutFamily(name: string, rolloutId: string, status: RolloutStatus, customerIds: string[] = []): FixtureTarget[] {
  const family: FixtureTarget[] = [{ file: `rollout-${name}`, workflowId: rolloutWorkflowId(rolloutId) }];
  for (const step of status.steps) {
    family.push({ file: `step-${name}-${step.name}`, workflowId: stepWorkflowId(rolloutId, step.name) });
    for (const customer of customerIds) {
      const part = customerStepName(step.name, customer);
      family.push({ file: `step-${name}-${part}`, workflowId: stepWorkflowId(rolloutId, part) });
    }
  }
  family.push({ file: `rollback-${name}`, workflowId: rollbackWorkflowId(rolloutId) });
  family.push({ file: `incident-${name}`, workflowId: incidentWorkflowId(rolloutDedupKey(rolloutId)) });
  return family;
}

async function fetchHistory(client: Client, workflowId: string): Promise<History | undefined> {
  try {
    return await client.workflow.getHandle(workflowId).fetchHistory();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError || (err as { code?: number }).code === 5) return undefined;
    throw err;
  }
}

/**
 * Fetches each execution that exists, replays it on the current bundle (a nondeterminism throws),
 * and with RAMPART_RECORD_HISTORIES=1 stores it unless a fixture of that name is already there.
 * Resolves to the names of the executions found, so a scenario can check its children ran.
 */
export async function replayAndRecord(client: Client, bundle: WorkflowBundleWithSourceMap, targets: FixtureTarget[]): Promise<string[]> {
  const found: string[] = [];
  for (const target of targets) {
    const history = await fetchHistory(client, target.workflowId);
    if (!history) continue;
    await Worker.runReplayHistory({ workflowBundle: bundle }, history, target.workflowId);
    found.push(target.file);
    recordFixture(target.file, history);
  }
  return found;
}

/** With RAMPART_RECORD_HISTORIES=1, stores a history as a fixture unless one of that name is there. */
export function recordFixture(name: string, history: History): void {
  const fixture = path.join(FIXTURES, `${name}${SUFFIX}`);
  if (process.env.RAMPART_RECORD_HISTORIES !== '1' || existsSync(fixture)) return;
  mkdirSync(FIXTURES, { recursive: true });
  writeFileSync(fixture, temporal.api.history.v1.History.encode(history).finish());
}

export interface StoredFixture {
  file: string;
  workflowType: string;
  history: temporal.api.history.v1.History;
}

/**
 * Histories written by code that went in without patched() and that today's code cannot continue;
 * kept to show it (README, "Upgrading Rampart with rollouts in flight").
 */
export const INCOMPATIBLE = path.join(__dirname, 'fixtures', 'histories-incompatible');

export function readFixtures(dir = FIXTURES): StoredFixture[] {
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(SUFFIX)).sort() : [];
  return files.map((file) => {
    const history = temporal.api.history.v1.History.decode(readFileSync(path.join(dir, file)));
    const workflowType = history.events[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name ?? '(no start event)';
    return { file, workflowType, history };
  });
}

/** Replays every fixture on a bundle; resolves to one line per fixture that failed (empty: all replay). */
export async function replayFailures(bundle: WorkflowBundleWithSourceMap, fixtures: StoredFixture[]): Promise<string[]> {
  const failures: string[] = [];
  const histories = fixtures.map((f) => ({ workflowId: f.file, history: f.history }));
  for await (const result of Worker.runReplayHistories({ workflowBundle: bundle }, histories)) {
    if (result.error) failures.push(`${result.workflowId}: ${result.error.name}: ${result.error.message}`);
  }
  return failures;
}
