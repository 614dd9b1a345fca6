import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { scheduleCustomerUpdate } from '../activities/customerSchedule';
import { customersFileSchema, type Customer } from '../domain/customers';
import { formatSlotLabel, isQuietAt, nextWindow, quietHoursEnd, weekStart } from '../domain/maintenanceWindow';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

type Windows = Customer['maintenanceWindows'];

/** The slot as ISO strings plus its label, so one deepEqual states the whole expectation. */
function slot(windows: Windows, timeZone: string, after: string): { opensAt: string; closesAt: string; label: string } {
  const { opensAt, closesAt } = nextWindow(windows, timeZone, new Date(after));
  return { opensAt: opensAt.toISOString(), closesAt: closesAt.toISOString(), label: formatSlotLabel(opensAt, closesAt, timeZone) };
}

function quietEnd(quiet: { start: string; end: string } | undefined, timeZone: string, at: string): string | null {
  return quietHoursEnd(quiet, timeZone, new Date(at))?.toISOString() ?? null;
}

describe('nextWindow: Europe/Berlin around the end of summer time (2026-10-25 03:00 CEST -> 02:00 CET)', () => {
  const sunday = [{ day: 'sun', start: '01:00', duration: 4 * HOUR }] as Windows;
  const tuesday = [{ day: 'tue', start: '02:00', duration: 3 * HOUR }] as Windows;

  test('the Sunday before, still in CEST (UTC+2)', () => {
    assert.deepEqual(slot(sunday, 'Europe/Berlin', '2026-10-15T00:00:00.000Z'), {
      opensAt: '2026-10-17T23:00:00.000Z', closesAt: '2026-10-18T03:00:00.000Z', label: 'Sun 18 Oct 01:00–05:00 CEST',
    });
  });

  test('the night of the change: 4 h of real time, closing at 04:00 CET, not the 05:00 written down', () => {
    assert.deepEqual(slot(sunday, 'Europe/Berlin', '2026-10-20T00:00:00.000Z'), {
      opensAt: '2026-10-24T23:00:00.000Z', closesAt: '2026-10-25T03:00:00.000Z', label: 'Sun 25 Oct 01:00 CEST – 04:00 CET',
    });
  });

  test('the Sunday after, in CET (UTC+1)', () => {
    assert.deepEqual(slot(sunday, 'Europe/Berlin', '2026-10-26T00:00:00.000Z'), {
      opensAt: '2026-11-01T00:00:00.000Z', closesAt: '2026-11-01T04:00:00.000Z', label: 'Sun 1 Nov 01:00–05:00 CET',
    });
  });

  test('a Tuesday window before and after the change keeps its local hours', () => {
    assert.deepEqual(slot(tuesday, 'Europe/Berlin', '2026-10-19T12:00:00.000Z'), {
      opensAt: '2026-10-20T00:00:00.000Z', closesAt: '2026-10-20T03:00:00.000Z', label: 'Tue 20 Oct 02:00–05:00 CEST',
    });
    assert.deepEqual(slot(tuesday, 'Europe/Berlin', '2026-10-21T12:00:00.000Z'), {
      opensAt: '2026-10-27T01:00:00.000Z', closesAt: '2026-10-27T04:00:00.000Z', label: 'Tue 27 Oct 02:00–05:00 CET',
    });
  });

  test('inside a window with time left, the slot starts now', () => {
    assert.deepEqual(slot(tuesday, 'Europe/Berlin', '2026-10-20T00:30:00.000Z'), {
      opensAt: '2026-10-20T00:30:00.000Z', closesAt: '2026-10-20T03:00:00.000Z', label: 'Tue 20 Oct 02:30–05:00 CEST',
    });
  });

  test('exactly 15 minutes left is still enough', () => {
    assert.deepEqual(slot(tuesday, 'Europe/Berlin', '2026-10-20T02:45:00.000Z'), {
      opensAt: '2026-10-20T02:45:00.000Z', closesAt: '2026-10-20T03:00:00.000Z', label: 'Tue 20 Oct 04:45–05:00 CEST',
    });
  });

  test('under 15 minutes left, or at the close, waits for the next week', () => {
    for (const after of ['2026-10-20T02:50:00.000Z', '2026-10-20T03:00:00.000Z']) {
      assert.deepEqual(slot(tuesday, 'Europe/Berlin', after), {
        opensAt: '2026-10-27T01:00:00.000Z', closesAt: '2026-10-27T04:00:00.000Z', label: 'Tue 27 Oct 02:00–05:00 CET',
      });
    }
  });

  test('windows that touch are one: ten minutes before Monday ends, an every-day window is open for another day', () => {
    const everyDay = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((day) => ({ day: day as 'mon', start: '00:00', duration: 24 * 3_600_000 }));
    const { opensAt, closesAt } = nextWindow(everyDay, 'Europe/Berlin', new Date('2026-11-23T22:50:00.000Z'));
    assert.equal(opensAt.toISOString(), '2026-11-23T22:50:00.000Z');
    assert.equal(closesAt.toISOString(), '2026-11-24T22:50:00.000Z', 'offered a day at a time');
  });

  test('at the opening instant the slot opens then', () => {
    const { opensAt, closesAt } = slot(tuesday, 'Europe/Berlin', '2026-10-27T01:00:00.000Z');
    assert.deepEqual([opensAt, closesAt], ['2026-10-27T01:00:00.000Z', '2026-10-27T04:00:00.000Z']);
  });
});

describe('nextWindow: Europe/Berlin start of summer time (2026-03-29 02:00 CET -> 03:00 CEST)', () => {
  test('a start time the clocks skip opens at the jump and still closes at its local end', () => {
    const windows = [{ day: 'sun', start: '02:30', duration: 2 * HOUR }] as Windows;
    assert.deepEqual(slot(windows, 'Europe/Berlin', '2026-03-25T00:00:00.000Z'), {
      opensAt: '2026-03-29T01:00:00.000Z', closesAt: '2026-03-29T02:30:00.000Z', label: 'Sun 29 Mar 03:00–04:30 CEST',
    });
  });

  test('a window across the jump closes at the local hour written down, not an hour later', () => {
    const windows = [{ day: 'sun', start: '01:00', duration: 4 * HOUR }] as Windows;
    assert.deepEqual(slot(windows, 'Europe/Berlin', '2026-03-25T00:00:00.000Z'), {
      opensAt: '2026-03-29T00:00:00.000Z', closesAt: '2026-03-29T03:00:00.000Z', label: 'Sun 29 Mar 01:00 CET – 05:00 CEST',
    });
  });
});

describe('nextWindow: America/New_York, a window across midnight', () => {
  const saturdayNight = [{ day: 'sat', start: '23:00', duration: 4 * HOUR }] as Windows;

  test('opens Saturday 23:00 EST and closes Sunday 03:00', () => {
    assert.deepEqual(slot(saturdayNight, 'America/New_York', '2026-11-25T00:00:00.000Z'), {
      opensAt: '2026-11-29T04:00:00.000Z', closesAt: '2026-11-29T08:00:00.000Z', label: 'Sat 28 Nov 23:00 – Sun 29 Nov 03:00 EST',
    });
  });

  test('after midnight, still inside Saturday\'s window', () => {
    assert.deepEqual(slot(saturdayNight, 'America/New_York', '2026-11-29T06:00:00.000Z'), {
      opensAt: '2026-11-29T06:00:00.000Z', closesAt: '2026-11-29T08:00:00.000Z', label: 'Sun 29 Nov 01:00–03:00 EST',
    });
  });

  test('the night clocks fall back (2026-11-01 02:00 EDT -> 01:00 EST)', () => {
    assert.deepEqual(slot(saturdayNight, 'America/New_York', '2026-10-29T00:00:00.000Z'), {
      opensAt: '2026-11-01T03:00:00.000Z', closesAt: '2026-11-01T07:00:00.000Z', label: 'Sat 31 Oct 23:00 EDT – Sun 1 Nov 02:00 EST',
    });
  });

  test('the earliest of several windows wins', () => {
    const windows = [...saturdayNight, { day: 'wed', start: '22:00', duration: 2 * HOUR }] as Windows;
    assert.deepEqual(slot(windows, 'America/New_York', '2026-11-25T00:00:00.000Z'), {
      opensAt: '2026-11-26T03:00:00.000Z', closesAt: '2026-11-26T05:00:00.000Z', label: 'Wed 25 Nov 22:00 – Thu 26 Nov 00:00 EST',
    });
  });
});

describe('nextWindow: zones without DST and with odd offsets', () => {
  test('Asia/Tokyo (UTC+9)', () => {
    const windows = [{ day: 'wed', start: '03:00', duration: 2 * HOUR }] as Windows;
    assert.deepEqual(slot(windows, 'Asia/Tokyo', '2026-06-01T00:00:00.000Z'), {
      opensAt: '2026-06-02T18:00:00.000Z', closesAt: '2026-06-02T20:00:00.000Z', label: 'Wed 3 Jun 03:00–05:00 GMT+9',
    });
  });

  test('Asia/Kolkata (UTC+5:30)', () => {
    const windows = [{ day: 'fri', start: '01:45', duration: 90 * 60_000 }] as Windows;
    assert.deepEqual(slot(windows, 'Asia/Kolkata', '2026-06-01T00:00:00.000Z'), {
      opensAt: '2026-06-04T20:15:00.000Z', closesAt: '2026-06-04T21:45:00.000Z', label: 'Fri 5 Jun 01:45–03:15 GMT+5:30',
    });
  });

  test('Asia/Kathmandu (UTC+5:45): a window earlier today has passed, so next week\'s', () => {
    const windows = [{ day: 'mon', start: '00:00', duration: HOUR }] as Windows;
    assert.deepEqual(slot(windows, 'Asia/Kathmandu', '2026-06-01T00:00:00.000Z'), {
      opensAt: '2026-06-07T18:15:00.000Z', closesAt: '2026-06-07T19:15:00.000Z', label: 'Mon 8 Jun 00:00–01:00 GMT+5:45',
    });
  });

  test('a 24-hour window', () => {
    const windows = [{ day: 'sat', start: '00:00', duration: DAY }] as Windows;
    assert.deepEqual(slot(windows, 'UTC', '2026-06-06T23:50:00.000Z'), {
      opensAt: '2026-06-13T00:00:00.000Z', closesAt: '2026-06-14T00:00:00.000Z', label: 'Sat 13 Jun 00:00 – Sun 14 Jun 00:00 UTC',
    });
  });

  test('no window at all is a RangeError naming the search', () => {
    assert.throws(() => nextWindow([], 'UTC', new Date('2026-06-01T00:00:00.000Z')), {
      name: 'RangeError', message: 'no maintenance window opens within 8 days after 2026-06-01T00:00:00.000Z',
    });
  });
});

describe('quiet hours', () => {
  const night = { start: '22:00', end: '07:00' };

  test('across midnight: quiet from 22:00 to 07:00 local (Berlin, CET)', () => {
    assert.equal(isQuietAt(night, 'Europe/Berlin', new Date('2026-11-24T20:59:00.000Z')), false);
    assert.equal(isQuietAt(night, 'Europe/Berlin', new Date('2026-11-24T21:00:00.000Z')), true);
    assert.equal(isQuietAt(night, 'Europe/Berlin', new Date('2026-11-25T05:59:00.000Z')), true);
    assert.equal(isQuietAt(night, 'Europe/Berlin', new Date('2026-11-25T06:00:00.000Z')), false);
  });

  test('the end is tomorrow morning before midnight, this morning after it', () => {
    assert.equal(quietEnd(night, 'Europe/Berlin', '2026-11-24T22:30:00.000Z'), '2026-11-25T06:00:00.000Z');
    assert.equal(quietEnd(night, 'Europe/Berlin', '2026-11-25T05:00:00.000Z'), '2026-11-25T06:00:00.000Z');
    assert.equal(quietEnd(night, 'Europe/Berlin', '2026-11-25T06:00:00.000Z'), null);
    assert.equal(quietEnd(night, 'Europe/Berlin', '2026-11-25T12:00:00.000Z'), null);
  });

  test('a quiet night across the fall-back ends at 07:00 CET', () => {
    assert.equal(quietEnd(night, 'Europe/Berlin', '2026-10-24T20:30:00.000Z'), '2026-10-25T06:00:00.000Z');
  });

  test('quiet hours around the repeated hour end at the occurrence still ahead', () => {
    const repeated = { start: '01:00', end: '02:30' };
    // 02:00 CEST, the first time round: ends 02:30 CEST.
    assert.equal(quietEnd(repeated, 'Europe/Berlin', '2026-10-25T00:00:00.000Z'), '2026-10-25T00:30:00.000Z');
    // 02:00 CET, the second time round: ends 02:30 CET.
    assert.equal(quietEnd(repeated, 'Europe/Berlin', '2026-10-25T01:00:00.000Z'), '2026-10-25T01:30:00.000Z');
  });

  test('within one day, in New York', () => {
    const lunch = { start: '12:00', end: '13:00' };
    assert.equal(quietEnd(lunch, 'America/New_York', '2026-07-01T16:30:00.000Z'), '2026-07-01T17:00:00.000Z');
    assert.equal(quietEnd(lunch, 'America/New_York', '2026-07-01T17:00:00.000Z'), null);
  });

  test('no quiet hours, or start equal to end, is never quiet', () => {
    assert.equal(isQuietAt(undefined, 'UTC', new Date('2026-07-01T03:00:00.000Z')), false);
    assert.equal(quietEnd(undefined, 'UTC', '2026-07-01T03:00:00.000Z'), null);
    assert.equal(isQuietAt({ start: '03:00', end: '03:00' }, 'UTC', new Date('2026-07-01T03:00:00.000Z')), false);
    assert.equal(quietEnd({ start: '03:00', end: '03:00' }, 'UTC', '2026-07-01T03:00:00.000Z'), null);
  });

  test('Kolkata quiet hours use its half-hour offset', () => {
    // 22:00 IST is 16:30 UTC; 07:00 IST is 01:30 UTC.
    assert.equal(isQuietAt(night, 'Asia/Kolkata', new Date('2026-07-01T16:29:00.000Z')), false);
    assert.equal(quietEnd(night, 'Asia/Kolkata', '2026-07-01T16:30:00.000Z'), '2026-07-02T01:30:00.000Z');
  });
});

describe('formatSlotLabel', () => {
  test('same day, Berlin winter', () => {
    assert.equal(formatSlotLabel(new Date('2026-11-24T01:00:00.000Z'), new Date('2026-11-24T04:00:00.000Z'), 'Europe/Berlin'), 'Tue 24 Nov 02:00–05:00 CET');
  });

  test('across midnight, New York', () => {
    assert.equal(formatSlotLabel(new Date('2026-11-29T04:00:00.000Z'), new Date('2026-11-29T08:00:00.000Z'), 'America/New_York'), 'Sat 28 Nov 23:00 – Sun 29 Nov 03:00 EST');
  });

  test('summer abbreviations', () => {
    assert.equal(formatSlotLabel(new Date('2026-07-07T00:00:00.000Z'), new Date('2026-07-07T02:00:00.000Z'), 'Europe/Berlin'), 'Tue 7 Jul 02:00–04:00 CEST');
    assert.equal(formatSlotLabel(new Date('2026-07-07T06:00:00.000Z'), new Date('2026-07-07T08:00:00.000Z'), 'America/New_York'), 'Tue 7 Jul 02:00–04:00 EDT');
    assert.equal(formatSlotLabel(new Date('2026-07-07T01:00:00.000Z'), new Date('2026-07-07T02:00:00.000Z'), 'Europe/London'), 'Tue 7 Jul 02:00–03:00 BST');
  });
});

describe('weekStart', () => {
  test('Berlin: Monday 00:00 CEST before the change, Monday 00:00 CET after it', () => {
    assert.equal(weekStart(new Date('2026-10-25T12:00:00.000Z'), 'Europe/Berlin').toISOString(), '2026-10-18T22:00:00.000Z');
    assert.equal(weekStart(new Date('2026-10-26T12:00:00.000Z'), 'Europe/Berlin').toISOString(), '2026-10-25T23:00:00.000Z');
  });

  test('New York: Sunday 23:30 belongs to the week before, Monday 00:30 to the new one', () => {
    assert.equal(weekStart(new Date('2026-11-30T04:30:00.000Z'), 'America/New_York').toISOString(), '2026-11-23T05:00:00.000Z');
    assert.equal(weekStart(new Date('2026-11-30T05:30:00.000Z'), 'America/New_York').toISOString(), '2026-11-30T05:00:00.000Z');
  });

  test('Tokyo: the local Monday, though it is still Sunday in UTC', () => {
    assert.equal(weekStart(new Date('2026-06-01T14:59:00.000Z'), 'Asia/Tokyo').toISOString(), '2026-05-31T15:00:00.000Z');
    assert.equal(weekStart(new Date('2026-05-31T15:00:00.000Z'), 'Asia/Tokyo').toISOString(), '2026-05-31T15:00:00.000Z');
  });
});

describe('scheduleCustomerUpdate activity', () => {
  const customer = customersFileSchema.parse({
    customers: [{
      id: 'acme',
      name: 'ACME',
      targets: ['t-01'],
      contacts: { emails: ['ops@acme.example'] },
      timeZone: 'Europe/Berlin',
      maintenanceWindows: [{ day: 'tue', start: '02:00', duration: '3h' }],
      quietHours: { start: '22:00', end: '07:00' },
    }],
  }).customers[0] as Customer;

  test('a routine notice waits for quiet hours to end; its slot is the first window after the notice period', async () => {
    // Thu 19 Nov 23:30 CET is quiet: notice Fri 20 Nov 07:00 CET; + 4 days is Tue 24 Nov 07:00, after that day's window.
    assert.deepEqual(await scheduleCustomerUpdate({ customer, after: '2026-11-19T22:30:00.000Z', noticeBefore: 4 * DAY, urgent: false }), {
      noticeAt: '2026-11-20T06:00:00.000Z',
      slot: { opensAt: '2026-12-01T01:00:00.000Z', closesAt: '2026-12-01T04:00:00.000Z', label: 'Tue 1 Dec 02:00–05:00 CET' },
    });
  });

  test('an urgent notice goes out at once, quiet hours or not', async () => {
    assert.deepEqual(await scheduleCustomerUpdate({ customer, after: '2026-11-19T22:30:00.000Z', noticeBefore: 4 * DAY, urgent: true }), {
      noticeAt: '2026-11-19T22:30:00.000Z',
      slot: { opensAt: '2026-11-24T01:00:00.000Z', closesAt: '2026-11-24T04:00:00.000Z', label: 'Tue 24 Nov 02:00–05:00 CET' },
    });
  });

  test('outside quiet hours the notice goes at once; a notice period ending inside a window starts the slot there', async () => {
    assert.deepEqual(await scheduleCustomerUpdate({ customer, after: '2026-11-23T12:00:00.000Z', noticeBefore: 14 * HOUR, urgent: false }), {
      noticeAt: '2026-11-23T12:00:00.000Z',
      slot: { opensAt: '2026-11-24T02:00:00.000Z', closesAt: '2026-11-24T04:00:00.000Z', label: 'Tue 24 Nov 03:00–05:00 CET' },
    });
  });

  test('a routine notice goes noticeBefore ahead of a window days away, not at once', async () => {
    // Monday noon UTC; the Tuesday 02:00 CET window is 13 h away, so with 2 h notice the mail goes at 23:00 UTC,
    // unless that is inside the customer's quiet hours (then it goes at once).
    const { noticeAt, slot } = await scheduleCustomerUpdate({ customer: { ...customer, quietHours: undefined }, after: '2026-11-23T12:00:00.000Z', noticeBefore: 2 * HOUR, urgent: false });
    assert.equal(slot.opensAt, '2026-11-24T01:00:00.000Z');
    assert.equal(noticeAt, '2026-11-23T23:00:00.000Z');
    const quiet = await scheduleCustomerUpdate({ customer: { ...customer, quietHours: { start: '22:00', end: '07:00' } }, after: '2026-11-23T12:00:00.000Z', noticeBefore: 2 * HOUR, urgent: false });
    assert.equal(quiet.noticeAt, '2026-11-23T12:00:00.000Z');
  });

  test('bad input is a non-retryable failure that names the field', async () => {
    await assert.rejects(scheduleCustomerUpdate({ customer, after: 'next tuesday', noticeBefore: 0, urgent: false }), (err: unknown) => {
      assert.ok(err instanceof ApplicationFailure);
      assert.equal(err.nonRetryable, true);
      assert.equal(err.message, 'scheduling an update for customer acme: after: expected an ISO date-time, got "next tuesday"');
      return true;
    });
    await assert.rejects(scheduleCustomerUpdate({ customer: { ...customer, timeZone: 'Mars/Olympus' }, after: '2026-11-23T12:00:00.000Z', noticeBefore: 0, urgent: false }), (err: unknown) => {
      assert.ok(err instanceof ApplicationFailure);
      assert.equal(err.nonRetryable, true);
      assert.match(err.message, /^scheduling an update for customer acme: .*Mars\/Olympus/);
      return true;
    });
  });
});
