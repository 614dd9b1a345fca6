import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { freezeCovers } from '../contract/freeze';
import { freezeRuleSchema, freezesInForce, upcomingWindows, windowAt } from '../calendars/freezeCalendar';

/**
 * When freezes are in force (calendars/freezeCalendar.ts): RRULE windows keep their wall-clock
 * time across DST in their zone, one-off ranges are local times, chained windows count as one,
 * scopes pick fleets and labels, and what cannot be evaluated fails closed.
 */
const rule = (written: Record<string, unknown>) => freezeRuleSchema.parse({ name: 'f', reason: 'why', ...written });

describe('freeze calendar', () => {
  test('a weekly Friday 14:00 Berlin window stays at 14:00 local across the spring DST change', () => {
    const fridays = rule({ timeZone: 'Europe/Berlin', rrule: 'FREQ=WEEKLY;BYDAY=FR', start: '2027-01-01T14:00', duration: '66h' });
    const windows = upcomingWindows(fridays, new Date('2027-03-20T00:00:00Z'), 3);
    // CET (UTC+1) before 28 March 2027, CEST (UTC+2) after: 13:00Z, then 12:00Z.
    assert.deepEqual(windows.map((w) => w.start.toISOString()), ['2027-03-19T13:00:00.000Z', '2027-03-26T13:00:00.000Z', '2027-04-02T12:00:00.000Z']);
    // The duration is elapsed time: 66 h from Friday 14:00 across the change ends Monday 09:00 CEST.
    assert.equal(windows[1]?.end.toISOString(), '2027-03-29T07:00:00.000Z');
    assert.equal(windowAt(fridays, new Date('2027-03-27T10:00:00Z'))?.start.toISOString(), '2027-03-26T13:00:00.000Z');
    assert.equal(windowAt(fridays, new Date('2027-03-24T10:00:00Z')), null, 'a Wednesday is open');
  });

  test('Patch Tuesday week: the second Tuesday in New York, both sides of the November change', () => {
    const patchWeek = rule({ timeZone: 'America/New_York', rrule: 'FREQ=MONTHLY;BYDAY=TU;BYMONTHDAY=8,9,10,11,12,13,14', start: '2026-01-13T00:00', duration: '24h' });
    const windows = upcomingWindows(patchWeek, new Date('2026-10-01T00:00:00Z'), 2);
    assert.deepEqual(windows.map((w) => w.start.toISOString()), ['2026-10-13T04:00:00.000Z', '2026-11-10T05:00:00.000Z']);
  });

  test('a one-off range is local time in its zone; windows that follow on without a gap are one', () => {
    const yearEnd = rule({ timeZone: 'America/New_York', from: '2026-12-20T00:00', until: '2027-01-04T09:00' });
    const [active] = freezesInForce([yearEnd], 'prod', new Date('2026-12-25T12:00:00Z'));
    assert.equal(active?.until, '2027-01-04T14:00:00.000Z');
    assert.equal(active?.untilLocal, '2027-01-04 09:00');
    assert.deepEqual(freezesInForce([yearEnd], 'prod', new Date('2027-01-04T14:00:00Z')), [], 'it ends at its until');

    const daily = rule({ timeZone: 'UTC', rrule: 'FREQ=DAILY', start: '2027-01-01T00:00', duration: '24h' });
    assert.equal(windowAt(daily, new Date('2027-01-02T06:00:00Z'))?.end.getTime(), Date.parse('2027-01-03T00:00:00Z') + 100 * 86400_000, 'chained, up to the chain limit');
  });

  test('scopes: all, one fleet, labels; a rule that cannot be evaluated holds for an hour', () => {
    const at = new Date('2027-02-01T12:00:00Z');
    const always = { timeZone: 'UTC', from: '2027-01-01T00:00', until: '2027-03-01T00:00' };
    const rules = [
      rule({ ...always, name: 'everyone' }),
      rule({ ...always, name: 'prod-only', scope: { fleet: 'prod' } }),
      rule({ ...always, name: 'eu', scope: { labels: { region: 'eu' } } }),
    ];
    assert.deepEqual(freezesInForce(rules, 'staging', at).map((f) => f.name), ['everyone', 'eu']);
    assert.deepEqual(freezesInForce(rules, 'prod', at).map((f) => f.name), ['everyone', 'prod-only', 'eu']);
    const eu = rules[2]!.scope;
    assert.equal(freezeCovers(eu, 'prod', [{ labels: { region: 'us' } }, { labels: { region: 'eu', tier: 'gold' } }]), true);
    assert.equal(freezeCovers(eu, 'prod', [{ labels: { region: 'us' } }, {}]), false);

    const hostile = { ...rules[0]!, name: 'broken', timeZone: 'Nowhere/Land' };
    const [closed] = freezesInForce([hostile], 'prod', at);
    assert.equal(closed?.until, '2027-02-01T13:00:00.000Z');
    assert.match(closed?.reason ?? '', /cannot be evaluated/);
  });

  test('bad rules name the field and the rule', () => {
    const problems = (written: Record<string, unknown>) => freezeRuleSchema.safeParse({ name: 'f', reason: 'why', ...written }).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    assert.deepEqual(problems({ timeZone: 'UTC', from: '2027-02-30T00:00', until: '2027-03-01T00:00' }), ['from: expected a date and time that exists on the calendar']);
    assert.deepEqual(problems({ timeZone: 'UTC', from: '2027-01-01T00:00' }), ['until: a one-off freeze needs until']);
    assert.deepEqual(problems({ timeZone: 'UTC', rrule: 'FREQ=DAILY', start: '2027-01-01T00:00', duration: '1h', from: '2027-01-01T00:00', until: '2027-01-02T00:00' }), ['rrule: a freeze is either one-off (from, until) or recurring (rrule, start, duration), not both']);
    assert.match(problems({ timeZone: 'UTC', rrule: 'DTSTART:20270101T000000Z\nRRULE:FREQ=DAILY', start: '2027-01-01T00:00', duration: '1h' })?.[0] ?? '', /^rrule: [\s\S]*give the RRULE part only/);
    assert.match(problems({ timeZone: 'UTC', from: '2027-01-01T00:00+01:00', until: '2027-01-02T00:00' })?.[0] ?? '', /^from: .*no offset: the time zone says it/);
    assert.match(problems({ timeZone: 'UTC', rrule: 'FREQ=DAILY', start: '2027-01-01T00:00', duration: '93d' })?.[0] ?? '', /^duration: /);
  });
});
