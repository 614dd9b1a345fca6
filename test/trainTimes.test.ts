import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import type { temporal } from '@temporalio/proto';
import { trainSchema, type Train } from '../domain/train';
import { isoInZone, timesBetween } from '../domain/trainTimes';
import { timesSpecOf, toScheduleSpec } from '../client/trainScheduleSpec';
import { devServerAddress, uniqueTaskQueue } from './helpers/temporal';

/**
 * The offline run times (what `schedule validate` prints) against the Temporal server's own
 * ListScheduleMatchingTimes over 15 months, both DST changes of several zones included. The
 * time-skipping test server has no Schedules (temporalio/sdk-java#1954), so this runs on the
 * dev server; each schedule is created paused, so nothing ever fires.
 */
const FROM = Date.UTC(2026, 0, 1) / 1000;
const TO = Date.UTC(2027, 3, 1) / 1000;

const base = { playbook: 'p.yaml', fleet: 'f.json', channel: 'c' };
const TRAINS: Record<string, unknown> = {
  'patch-tuesday': { ...base, timeZone: 'America/New_York', calendars: [{ dayOfWeek: 'TUESDAY', dayOfMonth: '8-14', hour: 10 }] },
  // 02:30 does not exist on the spring-forward day and 01:30 happens twice on the fall-back day.
  'dst-edges': { ...base, timeZone: 'America/New_York', calendars: [{ hour: [1, 2], minute: 30 }] },
  'london-cron': { ...base, timeZone: 'Europe/London', cron: ['*/20 0-2 * * SUN', '0 9 1 * *', '@weekly'] },
  'sydney-mixed': { ...base, timeZone: 'Australia/Sydney', calendars: [{ month: 'MARCH-MAY', dayOfWeek: 'MON-FRI', dayOfMonth: '1/3', hour: '2-3', minute: [0, 45] }], intervals: [{ every: '36h', offset: '5h' }] },
  'utc-steps': { ...base, timeZone: 'UTC', calendars: [{ dayOfMonth: 31, hour: '0/6' }, { year: 2026, month: 'FEB', dayOfMonth: 29 }], cron: ['15 12 * * 1-5 2027'] },
};

describe('train run times agree with the Temporal server', () => {
  let client: Client;
  const prefix = uniqueTaskQueue('train-times');
  const created: string[] = [];

  before(async () => {
    client = new Client({ connection: await Connection.connect({ address: devServerAddress() }) });
  });

  after(async () => {
    for (const id of created) await client.schedule.getHandle(id).delete().catch(() => undefined);
    await client.connection.close();
  });

  for (const [name, written] of Object.entries(TRAINS)) {
    test(`${name}: every run time from January 2026 to April 2027 is the server's`, async () => {
      const train: Train = trainSchema.parse({ name, ...(written as object) });
      const scheduleId = `${prefix}-${name}`;
      await client.schedule.create({
        scheduleId,
        spec: toScheduleSpec(train),
        action: { type: 'startWorkflow', workflowType: 'neverRuns', taskQueue: prefix, args: [] },
        state: { paused: true },
      });
      created.push(scheduleId);
      const answer: temporal.api.workflowservice.v1.IListScheduleMatchingTimesResponse = await client.workflowService.listScheduleMatchingTimes({
        namespace: 'default',
        scheduleId,
        startTime: msToTs(FROM * 1000),
        endTime: msToTs(TO * 1000),
      });
      const server = (answer.startTime ?? []).map((t) => Number(t.seconds));
      const offline = timesBetween(timesSpecOf(train), FROM, TO);
      const show = (times: number[]) => times.map((t) => isoInZone(t, train.timeZone));
      assert.ok(server.length > 10, `the server lists ${server.length} times`);
      assert.deepEqual(show(offline), show(server));
    });
  }

  test('Patch Tuesday is the second Tuesday at 10:00 New York time, in EST and in EDT alike', () => {
    const train = trainSchema.parse({ name: 'pt', ...(TRAINS['patch-tuesday'] as object) });
    const times = timesBetween(timesSpecOf(train), FROM, Date.UTC(2026, 11, 31) / 1000).map((t) => isoInZone(t, train.timeZone));
    assert.deepEqual(times, [
      '2026-01-13T10:00:00-05:00', '2026-02-10T10:00:00-05:00', '2026-03-10T10:00:00-04:00', '2026-04-14T10:00:00-04:00',
      '2026-05-12T10:00:00-04:00', '2026-06-09T10:00:00-04:00', '2026-07-14T10:00:00-04:00', '2026-08-11T10:00:00-04:00',
      '2026-09-08T10:00:00-04:00', '2026-10-13T10:00:00-04:00', '2026-11-10T10:00:00-05:00', '2026-12-08T10:00:00-05:00',
    ]);
  });
});
