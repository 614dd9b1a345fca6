import { allHandlersFinished, ApplicationFailure, condition, continueAsNew, setHandler, workflowInfo } from '@temporalio/workflow';
import {
  admitRolloutUpdate,
  breakerQuarantineSignal,
  CHANGE_CONTROL_REFUSED,
  changeControlStateQuery,
  changeControlBar,
  LIFTED_KEPT,
  LINE_NOT_STOPPED,
  liftLineUpdate,
  NOT_QUARANTINED,
  quarantineUpdate,
  rolloutEndedSignal,
  stopTheLineUpdate,
  unquarantineUpdate,
  type Admission,
  type ChangeControlInput,
  type LineStop,
  type Quarantine,
  type QuarantineArgs,
  type QuarantineLifted,
} from '../contract/changeControl';
import { messageArgSchemas as schemas } from '../contract/messageArgs';
import type { FreezeOverride, FreezeRule } from '../contract/freeze';
import { registerFreezeHandlers } from './freezeRecord';
import { dropReport, handleSignal, parseArg } from './messages';
import { isoNow } from './time';

/**
 * The change-control record of one task queue: quarantined versions, the stopped line, and the
 * rollouts that run, and the freeze calendar (workflows/freezeRecord.ts). Every change is an
 * Update or a Signal in this workflow's history, so the history is the audit trail. Rules: a version is quarantined once (a second quarantine changes
 * nothing and says so); only someone other than whoever quarantined it may lift it; a tripped
 * breaker quarantines by itself; while the line is stopped no rollout is admitted, and stopping it
 * answers with every rollout admitted and not ended, so each can be stopped. The state continues
 * as new when Temporal suggests it.
 */
export async function changeControlWorkflow(input: ChangeControlInput): Promise<void> {
  const quarantined: Quarantine[] = [...input.state.quarantined];
  const lifted: QuarantineLifted[] = [...input.state.lifted];
  let line: LineStop | null = input.state.line ?? null;
  const running = new Set(input.state.running ?? []);
  const freezes: FreezeRule[] = [...(input.state.freezes ?? [])];
  const freezeOverrides: FreezeOverride[] = [...(input.state.freezeOverrides ?? [])];
  const find = (version: string) => quarantined.find((q) => q.version === version);
  const state = () => ({ quarantined, lifted, line, running: [...running], freezes, freezeOverrides });

  const quarantine = (entry: Quarantine) => {
    const known = find(entry.version);
    if (known) return { quarantine: known, already: true };
    quarantined.push(entry);
    return { quarantine: entry, already: false };
  };

  setHandler(changeControlStateQuery, state);
  registerFreezeHandlers(freezes, freezeOverrides);
  setHandler(quarantineUpdate, (args) => quarantine({ version: args.version, reason: args.reason ?? '', by: args.by, at: isoNow() }), {
    validator: (args) => {
      parseArg('quarantine', schemas.quarantine, args);
    },
  });
  setHandler(
    unquarantineUpdate,
    (args) => {
      const entry = find(args.version)!;
      quarantined.splice(quarantined.indexOf(entry), 1);
      const done: QuarantineLifted = { ...entry, liftedBy: args.by, liftedAt: isoNow(), liftReason: args.reason ?? '' };
      lifted.push(done);
      lifted.splice(0, Math.max(0, lifted.length - LIFTED_KEPT));
      return done;
    },
    { validator: (args: QuarantineArgs) => refuseUnquarantine(parseArg('unquarantine', schemas.unquarantine, args), find(args.version)) },
  );
  setHandler(
    stopTheLineUpdate,
    (raw) => {
      const args = parseArg('freeze now', schemas.stopTheLine, raw);
      const already = line !== null;
      line ??= { by: args.by, reason: args.reason ?? '', at: isoNow(), then: args.then };
      return { line, already, running: [...running] };
    },
    { validator: (args) => void parseArg('freeze now', schemas.stopTheLine, args) },
  );
  setHandler(
    liftLineUpdate,
    (args) => {
      const done = { ...line!, liftedBy: args.by, liftedAt: isoNow(), liftReason: args.reason ?? '' };
      line = null;
      return done;
    },
    {
      validator: (args) => {
        parseArg('freeze lift', schemas.liftLine, args);
        if (!line) throw ApplicationFailure.create({ type: LINE_NOT_STOPPED, message: 'the line is not stopped', nonRetryable: true });
      },
    },
  );
  setHandler(
    admitRolloutUpdate,
    (args): Admission => {
      // A rollout admitted before stays admitted: asking again (a retried activity) changes nothing.
      if (running.has(args.rolloutId)) return { admitted: true };
      const bar = changeControlBar(state(), args.version);
      if (bar) return { admitted: false, reason: bar.reason };
      running.add(args.rolloutId);
      return { admitted: true };
    },
    { validator: (args) => void parseArg('admission', schemas.admitRollout, args) },
  );
  const dropped = dropReport('change control');
  handleSignal(breakerQuarantineSignal, schemas.breakerQuarantine, (trip) => {
    quarantine({ version: trip.version, reason: trip.reason, by: `breaker:${trip.rolloutId}`, at: isoNow(), rolloutId: trip.rolloutId });
  }, dropped);
  handleSignal(rolloutEndedSignal, schemas.rolloutEnded, (ended) => void running.delete(ended.rolloutId), dropped);

  await condition(() => workflowInfo().continueAsNewSuggested);
  await condition(allHandlersFinished);
  await continueAsNew<typeof changeControlWorkflow>({ state: state() });
}

/** Lifting needs a quarantine to lift and a second person: whoever quarantined it may not lift it alone. */
function refuseUnquarantine(args: QuarantineArgs, entry: Quarantine | undefined): void {
  if (!entry) throw ApplicationFailure.create({ type: NOT_QUARANTINED, message: `version ${args.version} is not quarantined`, nonRetryable: true });
  if (entry.by === args.by) {
    throw ApplicationFailure.create({
      type: CHANGE_CONTROL_REFUSED,
      message: `${args.by} quarantined ${args.version} and may not lift it too: someone else must (four eyes)`,
      nonRetryable: true,
    });
  }
}
