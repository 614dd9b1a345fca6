import { allHandlersFinished, ApplicationFailure, condition, continueAsNew, setHandler, workflowInfo } from '@temporalio/workflow';
import {
  breakerQuarantineSignal,
  CHANGE_CONTROL_REFUSED,
  changeControlStateQuery,
  LIFTED_KEPT,
  NOT_QUARANTINED,
  quarantineUpdate,
  unquarantineUpdate,
  type ChangeControlInput,
  type Quarantine,
  type QuarantineArgs,
  type QuarantineLifted,
} from '../contract/changeControl';
import { messageArgSchemas as schemas } from '../contract/messageArgs';
import { dropReport, handleSignal, parseArg } from './messages';
import { isoNow } from './time';

/**
 * The change-control record of one task queue: which versions are quarantined, by whom and why.
 * Every change is an Update or a Signal in this workflow's history, so the history is the audit
 * trail. Rules: a version is quarantined once (a second quarantine changes nothing and says so);
 * only someone other than whoever quarantined it may lift it; a tripped breaker quarantines by
 * itself. The state continues as new when Temporal suggests it.
 */
export async function changeControlWorkflow(input: ChangeControlInput): Promise<void> {
  const quarantined: Quarantine[] = [...input.state.quarantined];
  const lifted: QuarantineLifted[] = [...input.state.lifted];
  const find = (version: string) => quarantined.find((q) => q.version === version);

  const quarantine = (entry: Quarantine) => {
    const known = find(entry.version);
    if (known) return { quarantine: known, already: true };
    quarantined.push(entry);
    return { quarantine: entry, already: false };
  };

  setHandler(changeControlStateQuery, () => ({ quarantined, lifted }));
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
  const dropped = dropReport('change control');
  handleSignal(breakerQuarantineSignal, schemas.breakerQuarantine, (trip) => {
    quarantine({ version: trip.version, reason: trip.reason, by: `breaker:${trip.rolloutId}`, at: isoNow(), rolloutId: trip.rolloutId });
  }, dropped);

  await condition(() => workflowInfo().continueAsNewSuggested);
  await condition(allHandlersFinished);
  await continueAsNew<typeof changeControlWorkflow>({ state: { quarantined, lifted } });
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
