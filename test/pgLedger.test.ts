/**
 * The sent ledger in PostgreSQL, against a real server started here (initdb into a temp folder,
 * postgres on loopback and a unix socket; see helpers/postgresServer.ts): one send per key when
 * several ledgers (several pools, several processes) race for it; the same entries as the file
 * ledger for the same events; a clear error naming RAMPART_LEDGER_URL when nothing is there.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import pg from 'pg';
import { NoticeDecisionLog, type NoticeDecisions } from '../activities/customerNotify/noticeDecisionLog';
import { PgNoticeDecisionLog } from '../activities/customerNotify/pgNoticeDecisionLog';
import { decideOnce } from '../activities/customerNotify/stableDecision';
import { PgSentLedger } from '../activities/notify/pgSentLedger';
import { sendOnce } from '../activities/notify/sendOnce';
import { FileSentLedger, type LedgerEntry, type LedgerEvent, type SentLedger } from '../activities/notify/sentLedger';
import { findFreePort } from '../local/process/ports';
import { ProcessGroup } from '../local/process/processes';
import { nodeArgsForTs } from '../local/process/tsxCommand';
import { activityDependenciesFromEnv, WorkerConfigError } from '../worker/config';
import type { CustomerNotice, NoticeKind } from '../domain/customerNotice';
import type { Customer } from '../domain/customers';
import { postgresUnavailable, startPostgres, type PostgresServer } from './helpers/postgresServer';

const unavailable = postgresUnavailable();

function customer(id: string, overrides: Partial<Customer> = {}): Customer {
  return {
    id,
    name: 'Acme Logistics',
    targets: ['t1'],
    contacts: { emails: [`ops@${id}.example`] },
    channel: 'stable',
    timeZone: 'Europe/Berlin',
    maintenanceWindows: [],
    maxDeferral: 7 * 86_400_000,
    pinToPrevious: false,
    optOut: [],
    routineNoticesPerWeek: 3,
    ...overrides,
  } as Customer;
}

let seq = 0;
function notice(c: Customer, kind: NoticeKind): CustomerNotice {
  const category = kind as CustomerNotice['category'];
  return {
    key: `rollout-1/${c.id}/${kind}/${++seq}`,
    rolloutId: 'rollout-1',
    kind,
    category,
    createdAt: new Date().toISOString(),
    facts: { release: '2.4.0', component: 'Acme Shipping API', security: false },
  } as CustomerNotice;
}
const CHILD = path.join(__dirname, 'fixtures', 'pgLedger', 'sendOnceInChild.ts');

describe('the Postgres sent ledger', { skip: unavailable }, () => {
  let server: PostgresServer;
  let scratch = '';
  const ledgers: { close?(): Promise<void> }[] = [];
  const procs = new ProcessGroup();
  const ledger = (url = server.url) => {
    const made = new PgSentLedger({ url, origin: 'RAMPART_LEDGER_URL' });
    ledgers.push(made);
    return made;
  };

  before(async () => {
    server = await startPostgres();
    scratch = await mkdtemp(path.join(tmpdir(), 'rampart-pgledger-test-'));
  });

  after(async () => {
    await procs.stopAll();
    await Promise.all(ledgers.map((l) => l.close?.()));
    await server?.stop();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  test('the same key begun at once from two ledgers (two pools) sends once', async () => {
    const [a, b] = [ledger(), ledger()];
    let sends = 0;
    const attempt = (l: SentLedger) =>
      sendOnce({
        key: 'race:two-pools',
        ledger: l,
        sentNothing: () => false,
        send: async () => {
          sends += 1;
          await delay(300);
          return { ts: `sent-${sends}` };
        },
      });
    const outcomes = await Promise.all([attempt(a), attempt(b), attempt(a), attempt(b)]);
    assert.equal(sends, 1, 'one send');
    assert.deepEqual(outcomes.map((o) => o.how).sort(), ['recorded', 'recorded', 'recorded', 'sent']);
    for (const o of outcomes) assert.deepEqual(o.result, { ts: 'sent-1' });
    const entry = await ledger().get('race:two-pools');
    assert.equal(entry?.state, 'done');
    assert.equal(entry?.attempts, 1);
  });

  test('the same key begun at once from three worker processes sends once', async () => {
    const goFile = path.join(scratch, 'go');
    const env = { ...process.env, RAMPART_LEDGER_URL: server.url, RAMPART_STATE_DIR: path.join(scratch, 'state') };
    const children = [1, 2, 3].map((n) =>
      procs.spawn(process.execPath, nodeArgsForTs(CHILD, ['race:processes', goFile, '500']), { name: `sender-${n}`, env }),
    );
    await Promise.all(children.map((c) => c.waitForOutput(/waiting/, 30_000)));
    writeFileSync(goFile, 'go');
    const lines = await Promise.all(children.map((c) => c.waitForOutput(/^\{.*\}$/m, 30_000)));
    const outcomes = lines.map((m) => JSON.parse(m[0]) as { how: string; result: { sentBy: number } });
    assert.deepEqual(outcomes.map((o) => o.how).sort(), ['recorded', 'recorded', 'sent'], lines.map((m) => m[0]).join('\n'));
    const sender = outcomes.find((o) => o.how === 'sent')!.result.sentBy;
    for (const o of outcomes) assert.equal(o.result.sentBy, sender, 'every process answers with the one send');
    assert.equal((await ledger().get('race:processes'))?.attempts, 1);
  });

  test('begin, done, failed and cleared give the entries the file ledger gives', async () => {
    const file = new FileSentLedger(path.join(scratch, 'same-scenario.jsonl'));
    ledgers.push(file);
    const viaSocket = ledger(server.socketUrl); // the same server over its unix socket
    const steps: [string, LedgerEvent, unknown?][] = [
      ['a', 'begin'],
      ['a', 'failed'], // refused: nothing sent
      ['a', 'begin'],
      ['a', 'begin'], // a second begin while the first never ended: unsure
      ['b', 'begin'],
      ['a', 'cleared'], // looked, found nothing
      ['a', 'begin'],
      ['b', 'done', { channel: 'C1', ts: '1.2' }],
      ['a', 'done', { messageId: '<m@x>' }],
      ['a', 'begin'], // after done: final, nothing changes
      ['a', 'failed'],
      ['c', 'begin'],
      ['c', 'failed'],
      ['d', 'begin'],
      ['d', 'done', null], // a send whose result is null: null, not absent
    ];
    const comparable = (e: LedgerEntry | undefined) => e && { ...e, firstBeganAt: e.firstBeganAt === null ? null : 'set' };
    const started = Date.now();
    for (const [key, event, result] of steps) {
      const fromFile = await file.record(key, event, result);
      const fromPg = await viaSocket.record(key, event, result);
      assert.deepEqual(comparable(fromPg), comparable(fromFile), `after ${key} ${event}`);
      assert.deepEqual(comparable(await viaSocket.get(key)), comparable(await file.get(key)), `get after ${key} ${event}`);
    }
    const a = (await viaSocket.get('a'))!;
    assert.deepEqual({ state: a.state, attempts: a.attempts, mayHaveSent: a.mayHaveSent }, { state: 'done', attempts: 4, mayHaveSent: false });
    const began = Date.parse(a.firstBeganAt!);
    assert.ok(began >= started - 1000 && began <= Date.now(), `firstBeganAt ${a.firstBeganAt} is when a first began`);
    assert.equal(await viaSocket.get('never-sent'), undefined);
    assert.ok('result' in (await viaSocket.get('d'))!, 'a null result is kept');
    // Read by another ledger (a restarted worker, another host): the same entries.
    assert.deepEqual(await ledger().get('a'), a);
    // The keys table shows each send's state, one row per key.
    const client = new pg.Client({ connectionString: server.socketUrl });
    await client.connect();
    try {
      const { rows: peer } = await client.query('SELECT inet_client_addr() AS addr');
      assert.equal(peer[0].addr, null, 'the socket URL is a unix socket, not TCP');
      const { rows } = await client.query('SELECT key, state, attempts, may_have_sent FROM rampart_sent_keys WHERE key = ANY($1) ORDER BY key', [['a', 'b', 'c']]);
      assert.deepEqual(rows, [
        { key: 'a', state: 'done', attempts: 4, may_have_sent: false },
        { key: 'b', state: 'done', attempts: 1, may_have_sent: false },
        { key: 'c', state: 'pending', attempts: 1, may_have_sent: false },
      ]);
    } finally {
      await client.end();
    }
  });

  test('customer notice decisions: the same answers as the file log, holds and the weekly cap included', async () => {
    const file = new NoticeDecisionLog(path.join(scratch, 'decisions', 'customer-notices.jsonl'));
    const shared = new PgNoticeDecisionLog({ url: server.url });
    ledgers.push(shared, file);
    const c = customer(`acme-same-${process.pid}`, { quietHours: { start: '22:00', end: '07:00' }, routineNoticesPerWeek: 1 });
    const first = notice(c, 'post-deployment');
    const digests = [notice(c, 'digest'), notice(c, 'digest'), notice(c, 'digest')];
    const steps: [CustomerNotice, string][] = [
      [first, '2026-11-24T23:30:00Z'], // quiet hours: held
      [first, '2026-11-25T05:00:00Z'], // a retry during the hold: the same hold
      [first, '2026-11-25T06:00:00Z'], // the hold is over: send
      [first, '2026-11-25T09:00:00Z'], // a retry: the same send
      [digests[0]!, '2026-11-29T21:00:00Z'], // same week: capped
      [digests[1]!, '2026-11-29T23:30:00Z'], // a new week in Berlin, but quiet hours
      [digests[2]!, '2026-11-30T12:00:00Z'], // send
      [digests[0]!, '2026-11-30T13:00:00Z'], // the capped one stays suppressed
    ];
    for (const [n, at] of steps) {
      const now = new Date(at);
      const fromFile = await decideOnce(file, n, c, now);
      const fromPg = await decideOnce(shared, n, c, now);
      assert.deepEqual(fromPg, fromFile, `${n.key} at ${at}`);
      assert.deepEqual(await shared.get(n.key), await file.get(n.key));
    }
    const since = new Date('2026-11-23T00:00:00Z');
    assert.equal(await shared.routineSentSince(c.id, since), await file.routineSentSince(c.id, since));
    assert.equal(await shared.routineSentSince(c.id, since), 2);
  });

  test('two workers deciding routine notices for one customer at once keep the weekly cap', async () => {
    const [a, b] = [new PgNoticeDecisionLog({ url: server.url }), new PgNoticeDecisionLog({ url: server.url })];
    ledgers.push(a, b);
    const c = customer(`acme-cap-${process.pid}`, { routineNoticesPerWeek: 1 });
    const notices = [1, 2, 3, 4].map(() => notice(c, 'digest'));
    const now = new Date('2026-11-25T12:00:00Z');
    const logs: NoticeDecisions[] = [a, b, a, b];
    await Promise.all([a.get('warm-up'), b.get('warm-up')]); // both connected: the race is on the decisions
    const decisions = await Promise.all(notices.map((n, i) => decideOnce(logs[i]!, n, c, now)));
    assert.deepEqual(decisions.map((d) => d.decision).sort(), ['send', 'suppressed', 'suppressed', 'suppressed']);
  });

  test('ledgers starting together on an empty database both create the schema without error', async () => {
    const client = new pg.Client({ connectionString: server.url });
    await client.connect();
    await client.query('CREATE DATABASE fresh');
    await client.end();
    const url = server.url.replace(/\/postgres$/, '/fresh');
    const fresh = [ledger(url), ledger(url), ledger(url)];
    const entries = await Promise.all(fresh.map((l, i) => l.record(`fresh-${i}`, 'begin')));
    assert.deepEqual(entries.map((e) => e.mayHaveSent), [true, true, true]);
  });
});

describe('RAMPART_LEDGER_URL', () => {
  test('a URL pointing at nothing gives an error naming RAMPART_LEDGER_URL', async () => {
    const port = await findFreePort();
    const deps = activityDependenciesFromEnv({ RAMPART_LEDGER_URL: `postgres://rampart:hunter2@127.0.0.1:${port}/rampart`, RAMPART_STATE_DIR: tmpdir() });
    try {
      assert.ok(deps.sentLedger instanceof PgSentLedger, 'the worker uses the Postgres ledger');
      assert.ok(deps.noticeDecisions instanceof PgNoticeDecisionLog, 'and the Postgres decision log');
      assert.equal(deps.noticeDecisions.store, deps.sentLedger.store, 'on one store');
      await assert.rejects(deps.noticeDecisions.get('k'), /RAMPART_LEDGER_URL/);
      await assert.rejects(deps.sentLedger.get('k'), (err: Error) => {
        assert.match(err.message, /RAMPART_LEDGER_URL/);
        assert.match(err.message, new RegExp(`127\\.0\\.0\\.1:${port}`));
        assert.match(err.message, /ECONNREFUSED/);
        assert.doesNotMatch(err.message, /hunter2/, 'the password is not shown');
        return true;
      });
    } finally {
      deps.mail.close();
      await deps.sentLedger?.close?.();
    }
  });

  test('a URL that is not postgres:// is refused when the worker reads its configuration', () => {
    assert.throws(() => activityDependenciesFromEnv({ RAMPART_LEDGER_URL: 'mysql://db/x' }), (err: Error) => err instanceof WorkerConfigError && /RAMPART_LEDGER_URL/.test(err.message));
  });

  test('unset, the worker keeps the file ledger', () => {
    const deps = activityDependenciesFromEnv({});
    assert.equal(deps.sentLedger, undefined);
    assert.equal(deps.noticeDecisions, undefined);
    deps.mail.close();
  });
});
