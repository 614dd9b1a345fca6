import { ApplicationFailure, setHandler } from '@temporalio/workflow';
import {
  addFreezeUpdate,
  FREEZE_NOT_FOUND,
  FREEZE_REFUSED,
  overrideFreezeUpdate,
  removeFreezeUpdate,
  setFreezeCalendarUpdate,
  type FreezeOverride,
  type FreezeRule,
} from '../contract/freeze';
import { messageArgSchemas as schemas } from '../contract/messageArgs';
import { parseArg } from './messages';
import { isoNow } from './time';

/** Freezes one record holds at most (a calendar file's 200 and as many added by hand). */
const MAX_FREEZES = 400;
const MAX_OVERRIDES = 1000;

function refuse(type: string, message: string): never {
  throw ApplicationFailure.create({ type, message, nonRetryable: true });
}

/** A rule's content, without who put it there: what an apply compares to tell "changed" from "the same". */
function content(rule: FreezeRule): string {
  const { source: _s, addedBy: _b, addedAt: _a, ...rest } = rule;
  // Top-level keys sorted; a replacer array would also drop nested keys (scope's fleet, labels).
  return JSON.stringify(Object.fromEntries(Object.entries(rest).sort(([a], [b]) => (a < b ? -1 : 1))));
}

/**
 * The freeze calendar inside change control (workflows/changeControl.ts): `freeze apply` replaces
 * the rules that came from the file and keeps those added by hand; `freeze add` and `remove` change
 * one; `freeze override` grants one rollout a break-glass for a bounded time, on the word of a
 * requester and another approver. The workflow never evaluates a rule (no zones here): it keeps
 * them, and the activity and the client read them.
 */
export function registerFreezeHandlers(freezes: FreezeRule[], overrides: FreezeOverride[]): void {
  const named = (name: string) => freezes.find((f) => f.name === name);
  const dropExpired = () => {
    const now = isoNow();
    const live = overrides.filter((o) => o.until > now);
    overrides.splice(0, overrides.length, ...live.slice(-MAX_OVERRIDES));
  };

  setHandler(setFreezeCalendarUpdate, (raw) => {
    const args = parseArg('freeze apply', schemas.setFreezeCalendar, raw);
    const at = isoNow();
    const before = new Map(freezes.filter((f) => f.source === 'file').map((f) => [f.name, f]));
    const next: FreezeRule[] = args.freezes.map((rule) => {
      const old = before.get(rule.name);
      const fresh: FreezeRule = { ...rule, source: 'file', addedBy: args.by, addedAt: at };
      return old && content(old) === content(fresh) ? old : fresh;
    });
    const answer = {
      added: next.filter((f) => !before.has(f.name)).map((f) => f.name),
      changed: next.filter((f) => before.has(f.name) && before.get(f.name) !== f).map((f) => f.name),
      removed: [...before.keys()].filter((name) => !next.some((f) => f.name === name)),
    };
    const kept = freezes.filter((f) => f.source === 'added');
    freezes.splice(0, freezes.length, ...kept, ...next);
    return answer;
  }, {
    validator: (raw) => {
      const args = parseArg('freeze apply', schemas.setFreezeCalendar, raw);
      const added = new Set(freezes.filter((f) => f.source === 'added').map((f) => f.name));
      const clash = args.freezes.find((f) => added.has(f.name));
      if (clash) refuse(FREEZE_REFUSED, `freeze "${clash.name}" was added with "freeze add"; remove it first, or rename it in the file`);
      if (added.size + args.freezes.length > MAX_FREEZES) refuse(FREEZE_REFUSED, `at most ${MAX_FREEZES} freezes in all`);
    },
  });

  setHandler(addFreezeUpdate, (raw) => {
    const args = parseArg('freeze add', schemas.addFreeze, raw);
    const rule: FreezeRule = { ...args.freeze, source: 'added', addedBy: args.by, addedAt: isoNow() };
    freezes.push(rule);
    return rule;
  }, {
    validator: (raw) => {
      const args = parseArg('freeze add', schemas.addFreeze, raw);
      if (named(args.freeze.name)) refuse(FREEZE_REFUSED, `a freeze named "${args.freeze.name}" exists; remove it first or pick another name`);
      if (freezes.length >= MAX_FREEZES) refuse(FREEZE_REFUSED, `at most ${MAX_FREEZES} freezes in all`);
    },
  });

  setHandler(removeFreezeUpdate, (raw) => {
    const args = parseArg('freeze remove', schemas.removeFreeze, raw);
    const rule = named(args.name) as FreezeRule;
    freezes.splice(freezes.indexOf(rule), 1);
    return rule;
  }, {
    validator: (raw) => {
      const args = parseArg('freeze remove', schemas.removeFreeze, raw);
      if (!named(args.name)) refuse(FREEZE_NOT_FOUND, `no freeze named "${args.name}"`);
    },
  });

  setHandler(overrideFreezeUpdate, (raw) => {
    const args = parseArg('freeze override', schemas.overrideFreeze, raw);
    dropExpired();
    const at = isoNow();
    const grant: FreezeOverride = {
      rolloutId: args.rolloutId,
      requestedBy: args.by,
      approver: args.approver,
      reason: args.reason,
      at,
      until: new Date(Date.parse(at) + args.lastsMs).toISOString(),
    };
    const same = overrides.findIndex((o) => o.rolloutId === args.rolloutId);
    if (same >= 0) overrides.splice(same, 1);
    overrides.push(grant);
    return grant;
  }, {
    validator: (raw) => {
      const args = parseArg('freeze override', schemas.overrideFreeze, raw);
      if (args.approver.toLowerCase() === args.by.toLowerCase()) {
        refuse(FREEZE_REFUSED, `break-glass refused: the approver (${args.approver}) must be someone other than the requester (${args.by})`);
      }
    },
  });
}
