/**
 * The status portal over real HTTP against real rollouts: a local fleet and worker on the dev
 * server (RolloutHarness), customers with always-open windows, the portal on port 0. What the public
 * sees (JSON, HTML, the event stream, the Atom feed) and what it must never see (target ids, host
 * addresses, who started the rollout); each customer's own view; and every refused deferral
 * leaving the workflow's status untouched.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { toCustomerReleaseView, toPublicRelease } from '../domain/publicStatus';
import type { RolloutStatus } from '../domain/rolloutStatus';
import { launchBrowser, openPage, parseXml } from './helpers/browser';
import { rampart, RAMPART_BIN } from './helpers/cli';
import { ProcessGroup } from '../local/process/processes';
import { COMPONENT, PORTAL_SECRET, PortalRig, portalPlaybook, request } from './helpers/portalRig';
import { devServerAddress } from './helpers/temporal';

const FINAL = ['completed', 'rolled_back', 'failed'];

/** Reads server-sent events until `until` says stop (or the time is up); returns what arrived. */
function readStream(url: string, until: (events: { event: string; data: any }[], comments: number) => boolean, timeoutMs: number) {
  return new Promise<{ events: { event: string; data: any }[]; comments: number; headers: http.IncomingHttpHeaders }>((ok, fail) => {
    const events: { event: string; data: any }[] = [];
    let comments = 0;
    let buffer = '';
    const req = http.get(url, { agent: false }, (res) => {
      const finish = () => {
        clearTimeout(timer);
        req.destroy();
        ok({ events, comments, headers: res.headers });
      };
      const timer = setTimeout(finish, timeoutMs);
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (frame.startsWith(':')) comments++;
          const event = /^event: (.*)$/m.exec(frame)?.[1];
          const data = /^data: (.*)$/m.exec(frame)?.[1];
          if (event && data) events.push({ event, data: JSON.parse(data) });
        }
        if (until(events, comments)) finish();
      });
    });
    req.on('error', (err) => ((err as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : fail(err)));
  });
}

describe('status portal over HTTP (dev server, real fleet)', () => {
  const rig = new PortalRig();
  const procs = new ProcessGroup();
  let browser: Browser | undefined;
  before(async () => rig.start());
  after(async () => {
    await browser?.close();
    await procs.stopAll();
    await rig.stop();
  });

  /** Fails if any internal detail appears in a public answer. */
  function assertNothingInternal(text: string, where: string): void {
    for (const id of rig.targetIds()) assert.ok(!text.includes(id), `${where} names target ${id}`);
    for (const url of rig.targetUrls()) assert.ok(!text.includes(url), `${where} shows the address ${url}`);
    for (const secret of ['alice', 'ACME Corp', 'Globex', 'ops@acme.example', 'startedBy', 'timeline', 'lastGate', 'errorRate']) {
      assert.ok(!text.includes(secret), `${where} contains "${secret}"`);
    }
  }

  test('a running rollout: progress in JSON and HTML, live over the stream, in the Atom feed; nothing internal', async () => {
    // Subscribe before the rollout starts, so the stream must carry its changes as they happen.
    const streamed = readStream(`${rig.portal.url}/api/stream`, (events) => events.some((e) => e.event === 'release' && e.data.id === 'portal-good' && e.data.state === 'completed'), 90_000);
    await rig.startRollout('portal-good', { version: '1.1.0' });

    const running = await rig.waitForRelease('portal-good', (r) => r.state === 'in_progress');
    assert.equal(running.component, COMPONENT);
    assert.equal(running.version, '1.1.0');
    assert.deepEqual(running.steps.map((s: { label: string }) => s.label), ['Canary', 'Wave 1', 'Wave 2']);
    assert.equal(running.total, 4);
    assert.ok(running.steps.every((s: { done: unknown; total: unknown }) => typeof s.done === 'number' && typeof s.total === 'number'));

    const done = await rig.waitForRelease('portal-good', (r) => r.state === 'completed', 90_000);
    assert.equal(done.stateLabel, 'Completed');
    assert.deepEqual(done.steps.map((s: { stateLabel: string; done: number; total: number }) => [s.stateLabel, s.done, s.total]), [['Completed', 1, 1], ['Completed', 2, 2], ['Completed', 1, 1]]);
    assert.ok(done.endedAt);

    // The stream: a snapshot first, then the release's progress as it happened, ending completed.
    const { events, comments, headers } = await streamed;
    assert.match(String(headers['content-type']), /^text\/event-stream/);
    assert.ok(comments >= 1, 'heartbeat comments keep the stream alive');
    // The client hung up: the portal stops writing to it.
    const deadline = Date.now() + 10_000;
    while (rig.portal.openStreams() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.equal(rig.portal.openStreams(), 0, 'a disconnected client is dropped');
    assert.equal(events[0]?.event, 'snapshot');
    const updates = events.filter((e) => e.event === 'release' && e.data.id === 'portal-good');
    const doneCounts = updates.map((e) => e.data.done);
    assert.ok(updates.length >= 3, `several updates streamed: ${updates.map((e) => `${e.data.state}/${e.data.done}`).join(', ')}`);
    assert.deepEqual([...doneCounts].sort((a, b) => a - b), doneCounts, 'progress only moves forward');
    assert.equal(doneCounts.at(-1), 4);
    // Only changes are pushed: no two consecutive events for a release are the same.
    for (let i = 1; i < updates.length; i++) assert.notDeepEqual(updates[i]!.data, updates[i - 1]!.data);

    // JSON list and page, HTML list and page: the release and its progress, nothing internal.
    const list = await rig.get('/api/releases');
    assert.equal(list.status, 200);
    assert.ok(list.json.releases.some((r: { id: string }) => r.id === 'portal-good'));
    const listPage = await rig.get('/');
    const page = await rig.get('/releases/portal-good');
    assert.equal(page.status, 200);
    assert.match(String(page.headers['content-type']), /^text\/html/);
    assert.match(page.text, /Rampart portal test service 1\.1\.0/);
    assert.match(page.text, /4 of 4 systems updated/);
    assert.match(page.text, /<progress class="bar" max="1" value="1"/);
    for (const [text, where] of [[list.text, 'GET /api/releases'], [JSON.stringify(done), 'GET /api/releases/:id'], [listPage.text, 'GET /'], [page.text, 'GET /releases/:id'], [JSON.stringify(events), 'the stream']] as const) {
      assertNothingInternal(text, where);
    }
    // Security headers on every page.
    assert.match(String(page.headers['content-security-policy']), /script-src 'self'.*frame-ancestors 'none'/);
    assert.doesNotMatch(String(page.headers['content-security-policy']), /unsafe-inline/);
    assert.equal(page.headers['x-content-type-options'], 'nosniff');
    assert.equal(page.headers['referrer-policy'], 'no-referrer');
    assert.doesNotMatch(page.text, /<script(?![^>]*\bsrc=)/, 'no inline script');
    assert.doesNotMatch(page.text, /style="/, 'no inline style');

    // The Atom feed: well-formed XML (as a browser parses it), with the release's events.
    const feed = await rig.get('/feed.atom');
    assert.equal(feed.status, 200);
    assert.match(String(feed.headers['content-type']), /^application\/atom\+xml/);
    assertNothingInternal(feed.text, 'the feed');
    browser = await launchBrowser();
    const parser = await openPage(browser, { width: 800, height: 600 });
    const parsed = await parseXml<{ root: string; ns: string; feedId: string; updated: string; entries: { id: string; title: string; updated: string; link: string }[] }>(parser, feed.text, `(doc) => ({
      root: doc.documentElement.localName,
      ns: doc.documentElement.namespaceURI,
      feedId: doc.querySelector('feed > id').textContent,
      updated: doc.querySelector('feed > updated').textContent,
      entries: [...doc.getElementsByTagName('entry')].map((e) => ({
        id: e.getElementsByTagName('id')[0].textContent,
        title: e.getElementsByTagName('title')[0].textContent,
        updated: e.getElementsByTagName('updated')[0].textContent,
        link: e.getElementsByTagName('link')[0].getAttribute('href'),
      })),
    })`);
    assert.equal(parsed.error, null, `feed is not well-formed XML: ${parsed.error}`);
    const atom = parsed.value!;
    assert.equal(atom.root, 'feed');
    assert.equal(atom.ns, 'http://www.w3.org/2005/Atom');
    assert.ok(atom.feedId.length > 0 && !Number.isNaN(Date.parse(atom.updated)));
    const titles = atom.entries.filter((e) => e.link.endsWith('/releases/portal-good')).map((e) => e.title);
    for (const title of ['update started', 'Canary completed', 'Wave 1 completed', 'Wave 2 completed', 'completed']) {
      assert.ok(titles.some((t) => t.endsWith(title)), `an entry "${title}" in ${JSON.stringify(titles)}`);
    }
    assert.equal(new Set(atom.entries.map((e) => e.id)).size, atom.entries.length, 'entry ids are unique');
    assert.ok(atom.entries.every((e) => !Number.isNaN(Date.parse(e.updated))));
    const times = atom.entries.map((e) => e.updated);
    assert.deepEqual([...times].sort().reverse(), times, 'newest first');
  });

  test("a customer's own view: their targets, window and notices, nobody else's; tokens are checked", async () => {
    const acme = await rig.get('/api/customers/acme', { authorization: `Bearer ${rig.token('acme')}` });
    assert.equal(acme.status, 200, acme.text);
    assert.deepEqual(acme.json.customer, { id: 'acme', name: 'ACME Corp' });
    const view = acme.json.releases.find((r: { release: { id: string } }) => r.release.id === 'portal-good');
    assert.ok(view, 'the completed release is in their view');
    assert.equal(view.state, 'updated');
    assert.equal(view.step, 'Canary');
    assert.deepEqual(view.targets.map((t: { id: string; stateLabel: string }) => [t.id, t.stateLabel]), [[rig.targetIds()[2], 'Updated']]);
    assert.ok(view.window?.label, 'their window, in their words');
    assert.ok(view.notices.some((n: { kind: string; outcome: string }) => n.kind === 'pre-deployment' && n.outcome === 'sent'), JSON.stringify(view.notices));
    assert.ok(view.notices.every((n: Record<string, unknown>) => Object.keys(n).sort().join() === 'at,kind,outcome'), 'notice kind, time and outcome only');
    for (const other of ['Globex', 'globex', rig.targetIds()[3]!, rig.targetIds()[0]!, 'alice']) assert.ok(!acme.text.includes(other), `ACME's view mentions ${other}`);

    const noToken = await rig.get('/api/customers/acme');
    assert.equal(noToken.status, 401);
    assert.match(noToken.json.error, /Authorization: Bearer/);
    assert.equal((await rig.get('/api/customers/acme', { authorization: 'Bearer 0123abcd' })).status, 401);
    assert.equal((await rig.get('/api/customers/acme', { authorization: `Bearer ${'f'.repeat(64)}` })).status, 401);
    const other = await rig.get('/api/customers/acme', { authorization: `Bearer ${rig.token('globex')}` });
    assert.equal(other.status, 403);
    assert.match(other.json.error, /another customer/);
    assert.ok(!other.text.includes('ACME'));
  });

  test('every refused deferral is answered clearly and changes nothing; a good one reaches the workflow', async () => {
    // A long canary bake keeps Globex (the last wave) waiting while the requests arrive.
    const handle = await rig.startRollout('portal-defer', { version: '1.2.0', playbook: portalPlaybook({ phases: { canary: { size: 1, bakeTime: '5m' }, waves: [{ size: '50%', bakeTime: '2s' }, { size: '100%', bakeTime: '2s' }] } }) });
    try {
      await rig.waitForRelease('portal-defer', (r) => r.steps[0]?.state === 'monitoring');
      const before = await rig.status('portal-defer');
      const globexBefore = before.customers?.find((c) => c.id === 'globex');
      assert.equal(globexBefore?.state, 'pending');
      const until = new Date(Date.now() + 3_600_000).toISOString();
      const good = JSON.stringify({ rolloutId: 'portal-defer', until, reason: 'our quarter-end freeze' });
      const origin = rig.portal.url;
      const asGlobex = { authorization: `Bearer ${rig.token('globex')}`, 'content-type': 'application/json', origin };
      const post = (headers: Record<string, string>, body = good, path = '/api/customers/globex/defer') => request(`${rig.portal.url}${path}`, { method: 'POST', headers, body });

      const attempts: [string, Promise<Awaited<ReturnType<typeof post>>>, number, RegExp][] = [
        ['no token', post({ ...asGlobex, authorization: '' }), 401, /Authorization: Bearer/],
        ['a forged token', post({ ...asGlobex, authorization: `Bearer ${'0'.repeat(64)}` }), 401, /not valid/],
        ["another customer's token", post({ ...asGlobex, authorization: `Bearer ${rig.token('acme')}` }), 403, /another customer/],
        ['a forged Origin', post({ ...asGlobex, origin: 'https://evil.example' }), 403, /cross-origin request refused/],
        ['Origin "null" (a sandboxed frame)', post({ ...asGlobex, origin: 'null' }), 403, /cross-origin request refused/],
        ['no Origin from a cross-site page', post({ authorization: asGlobex.authorization, 'content-type': 'application/json', 'sec-fetch-site': 'cross-site' }), 403, /cross-origin request refused/],
        ['a form post', post({ ...asGlobex, 'content-type': 'application/x-www-form-urlencoded' }, 'rolloutId=portal-defer'), 415, /application\/json/],
        ['text/plain', post({ ...asGlobex, 'content-type': 'text/plain' }), 415, /application\/json/],
        ['not JSON', post(asGlobex, '{"rolloutId":'), 400, /not JSON/],
        ['a bad time', post(asGlobex, JSON.stringify({ rolloutId: 'portal-defer', until: 'next week' })), 400, /until: expected an ISO 8601 time/],
        ['a missing rollout id', post(asGlobex, JSON.stringify({ until })), 400, /rolloutId: is required/],
        ['an unknown field', post(asGlobex, JSON.stringify({ rolloutId: 'portal-defer', until, by: 'alice' })), 400, /by: unknown key/],
        ['a reason too long', post(asGlobex, JSON.stringify({ rolloutId: 'portal-defer', until, reason: 'x'.repeat(501) })), 400, /reason: expected at most 500 characters/],
        ['a body over 16 KiB', post(asGlobex, JSON.stringify({ rolloutId: 'portal-defer', until, reason: 'x'.repeat(17_000) })), 413, /larger than 16384 bytes/],
        ['an unknown rollout', post(asGlobex, JSON.stringify({ rolloutId: 'no-such-rollout', until })), 404, /no release with id "no-such-rollout"/],
        ['beyond their allowance (the workflow refuses)', post(asGlobex, JSON.stringify({ rolloutId: 'portal-defer', until: new Date(Date.now() + 30 * 86_400_000).toISOString() })), 409, /until: globex may defer this update until .* at the latest/],
        ['a time in the past (the workflow refuses)', post(asGlobex, JSON.stringify({ rolloutId: 'portal-defer', until: new Date(Date.now() - 60_000).toISOString() })), 409, /until: must be in the future/],
        ['GET on the defer endpoint', request(`${rig.portal.url}/api/customers/globex/defer`, { headers: asGlobex }), 405, /use POST/],
      ];
      for (const [what, reply, status, message] of attempts) {
        const r = await reply;
        assert.equal(r.status, status, `${what}: ${r.text}`);
        assert.match(r.json?.error ?? '', message, what);
        assert.match(String(r.headers['content-type']), /^application\/json/, what);
      }
      const unchanged = await rig.status('portal-defer');
      assert.deepEqual(unchanged.customers?.map((c) => c.deferral), [null, null], 'no deferral was recorded');
      assert.equal(unchanged.timeline.filter((e) => e.event === 'customer deferred').length, 0);
      assert.deepEqual(unchanged.customers?.find((c) => c.id === 'globex'), globexBefore);

      // The real thing, from the portal's own origin: the Update's answer comes back.
      const accepted = await post(asGlobex);
      assert.equal(accepted.status, 200, accepted.text);
      assert.match(accepted.json.answer, /globex deferred until/);
      const after = await rig.status('portal-defer');
      const deferral = after.customers?.find((c) => c.id === 'globex')?.deferral;
      assert.deepEqual({ until: deferral?.until, by: deferral?.by, reason: deferral?.reason }, { until, by: 'customer:globex', reason: 'our quarter-end freeze' });
      // Their view shows it at once (the portal re-reads the rollout after a deferral).
      const view = await rig.get('/api/customers/globex', { authorization: `Bearer ${rig.token('globex')}` });
      const mine = view.json.releases.find((r: { release: { id: string } }) => r.release.id === 'portal-defer');
      assert.deepEqual({ until: mine.deferral.until, requestedBy: mine.deferral.requestedBy }, { until, requestedBy: 'you' });
    } finally {
      await handle.terminate('test over').catch(() => undefined);
    }
  });

  test('unknown pages and releases are 404; other methods 405; assets are served with their types', async () => {
    assert.equal((await rig.get('/releases/nope')).status, 404);
    const missing = await rig.get('/api/releases/nope');
    assert.equal(missing.status, 404);
    assert.match(missing.json.error, /no release with id "nope"/);
    assert.equal((await rig.get('/api/nothing')).status, 404);
    assert.equal((await request(`${rig.portal.url}/`, { method: 'DELETE' })).status, 405);
    const css = await rig.get('/assets/portal.css');
    assert.match(String(css.headers['content-type']), /^text\/css/);
    const js = await rig.get('/assets/live.js');
    assert.match(String(js.headers['content-type']), /^text\/javascript/);
    const customer = await rig.get('/customer');
    assert.equal(customer.status, 200);
    assert.match(customer.text, /<script src="\/assets\/customer\.js" defer><\/script>/);
  });

  test('rampart portal token prints the HMAC; portal refuses to start without a secret (exit 2)', async () => {
    const file = rig.h.writeFile('portal-customers.json', JSON.stringify(rig.customers));
    const token = await rampart(['portal', 'token', '--customer', 'acme', '--customers', file], { RAMPART_PORTAL_SECRET: PORTAL_SECRET });
    assert.equal(token.code, 0, token.stderr);
    assert.equal(token.stdout.trim(), rig.token('acme'));
    const unknown = await rampart(['portal', 'token', '--customer', 'hooli', '--customers', file], { RAMPART_PORTAL_SECRET: PORTAL_SECRET });
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /no customer "hooli"/);
    for (const args of [['portal', '--customers', file], ['portal', 'token', '--customer', 'acme', '--customers', file]]) {
      const refused = await rampart(args, { RAMPART_PORTAL_SECRET: '' });
      assert.equal(refused.code, 2, refused.stderr);
      assert.match(refused.stderr, /RAMPART_PORTAL_SECRET must be set/);
    }
    const badFile = rig.h.writeFile('bad-customers.json', JSON.stringify({ customers: [{ id: 'Bad Id' }] }));
    const invalid = await rampart(['portal', '--customers', badFile], { RAMPART_PORTAL_SECRET: PORTAL_SECRET });
    assert.equal(invalid.code, 2);
    assert.match(invalid.stderr, /customers\[0\]\.id/);
  });

  test('rampart portal serves the same releases as a process of its own', async () => {
    const file = rig.h.writeFile('portal-customers-2.json', JSON.stringify(rig.customers));
    const proc = procs.spawn(RAMPART_BIN, ['portal', '--customers', file, '--port', '0'], {
      name: 'portal',
      env: { ...process.env, RAMPART_PORTAL_SECRET: PORTAL_SECRET, TEMPORAL_ADDRESS: devServerAddress(), RAMPART_TASK_QUEUE: rig.h.taskQueue },
    });
    const [, url] = await proc.waitForOutput(/status portal listening on (http:\/\/\S+)/, 30_000);
    const list = await request(`${url}/api/releases`);
    assert.equal(list.status, 200);
    assert.ok(list.json.releases.some((r: { id: string; state: string }) => r.id === 'portal-good' && r.state === 'completed'));
    const status: RolloutStatus = await rig.status('portal-good');
    assert.ok(FINAL.includes(status.state));
    await proc.stop();
  });

  test('a drill rollout (a game day) is never published: not listed, its page 404', async () => {
    const artifact = await rig.h.artifact('1.8.0', { errorRate: 0.6 });
    await rig.h.startRollout({ ...rig.h.input('portal-drill', portalPlaybook(), artifact, '1.8.0'), customers: rig.customers, drill: { scenario: 'error-rate' } });
    const done = await rig.h.waitFor('portal-drill', (s) => FINAL.includes(s.state), 90_000);
    assert.deepEqual(done.drill, { scenario: 'error-rate' });
    assert.equal(done.customers, null, 'the customers it was handed were never read');
    // The portal lists recent rollouts about once a second: a few rounds have seen this one.
    await new Promise((r) => setTimeout(r, 3_000));
    assert.equal((await rig.get('/api/releases/portal-drill')).status, 404);
    const list = await rig.get('/api/releases');
    assert.ok(!list.text.includes('portal-drill') && !list.text.includes('1.8.0'), list.text.slice(0, 500));
    assert.ok(list.json.releases.some((r: { id: string }) => r.id === 'portal-good'), 'real releases are still listed');
  });
});

describe('the public projection (pure)', () => {
  const at = (minutes: number) => new Date(Date.UTC(2026, 10, 24, 10, minutes)).toISOString();
  const gate = { verdict: 'pass', candidate: { errorRate: 0.01 }, baseline: { errorRate: 0.01 } };
  const status = {
    rolloutId: 'r-1', playbook: 'routine', method: 'phased', version: '2.0.0', fromVersion: '1.9.0', state: 'rolling_back', phase: 'rollback', step: 'wave-1', wave: { index: 1, of: 2 },
    startedBy: 'alice', startedAt: at(0), endedAt: null, pausedBy: 'bob', awaitingApproval: null,
    approvals: [{ step: 'canary', by: 'carol', at: at(1) }],
    steps: [
      { name: 'canary', kind: 'canary', targets: ['host-a'], bakeMs: 1, state: 'passed', startedAt: at(1), endedAt: at(5), lastGate: gate },
      { name: 'wave-1', kind: 'wave', targets: ['host-b', 'host-c'], bakeMs: 1, state: 'breached', startedAt: at(6), endedAt: at(9), lastGate: gate },
      { name: 'wave-2', kind: 'wave', targets: ['host-d'], bakeMs: 1, state: 'pending', startedAt: null, endedAt: null, lastGate: null },
    ],
    targets: [
      { id: 'host-a', step: 'canary', version: '2.0.0', previousVersion: '1.9.0', state: 'rolled_back', health: { up: true, version: '1.9.0', checkedAt: at(10) } },
      { id: 'host-b', step: 'wave-1', version: '2.0.0', previousVersion: '1.9.0', state: 'installed', health: null },
      { id: 'host-c', step: 'wave-1', version: '2.0.0', previousVersion: '1.9.0', state: 'installed', health: null },
      { id: 'host-d', step: null, version: '1.9.0', previousVersion: null, state: 'pending', health: null },
    ],
    breaker: { step: 'wave-1', reasons: ['error rate 40% on host-b'], gate },
    outcome: null, nearMisses: [],
    timeline: [{ at: at(9), event: 'breaker tripped', by: 'dave', detail: 'host-b http://10.0.0.7:9101' }],
    component: 'Orders API',
    customers: [
      { id: 'acme', name: 'ACME Corp', channel: 'stable', timeZone: 'UTC', step: 'wave-1', targets: ['host-b'], state: 'updating', waitingFor: null, window: null, deferral: null, deferrableUntil: at(100), notices: [{ key: 'r-1/acme/incident/1', kind: 'incident', category: 'incident', at: at(9), outcome: 'sent', channels: ['email'], reason: 'x' }] },
      { id: 'globex', name: 'Globex', channel: 'stable', timeZone: 'UTC', step: 'wave-2', targets: ['host-d'], state: 'waiting_for_window', waitingFor: 'deferred by ops@globex', window: { opensAt: at(120), closesAt: at(180), label: 'Tue 24 Nov 12:00–13:00 UTC' }, deferral: { until: at(110), by: 'ops@globex.example', reason: null, at: at(2) }, deferrableUntil: at(200), notices: [] },
    ],
    publicIncidents: [{ at: at(9), state: 'rolling_back', message: 'Some Orders API systems showed errors.', affected: ['acme'], nextUpdateAt: at(69) }],
  } as unknown as RolloutStatus;

  test('copies out release, steps as counts, the incident and maintenance times; nothing internal', () => {
    const release = toPublicRelease(status);
    assert.equal(release.stateLabel, 'Rolling back');
    assert.deepEqual(release.steps.map((s) => [s.label, s.stateLabel, s.done, s.total]), [['Canary', 'Rolled back', 0, 1], ['Wave 1', 'Rolled back', 2, 2], ['Wave 2', 'Cancelled', 0, 1]]);
    assert.equal(release.steps[2]!.window, null, 'a release being rolled back schedules nothing');
    assert.deepEqual(release.incident, { at: at(9), state: 'rolling_back', stateLabel: 'Rolling back', message: 'Some Orders API systems showed errors.', nextUpdateAt: at(69), affectedCustomers: 1 });
    assert.equal(release.maintenance, null);
    // While it runs, the waiting customer's window is the scheduled maintenance, and Wave 2's.
    const running = toPublicRelease({ ...status, state: 'running', targets: status.targets.map((t) => ({ ...t, state: t.id === 'host-d' ? 'pending' : 'installed' })), steps: status.steps.map((s) => (s.name === 'wave-1' ? { ...s, state: 'baking' } : s)) });
    assert.equal(running.stateLabel, 'In progress');
    assert.deepEqual(running.steps.map((s) => s.stateLabel), ['Completed', 'Monitoring', 'Scheduled']);
    assert.deepEqual(running.steps[2]!.window, { from: at(120), until: at(180) });
    assert.deepEqual(running.maintenance, { from: at(120), until: at(180) });
    const text = JSON.stringify(release);
    for (const secret of ['host-', 'alice', 'bob', 'carol', 'dave', '10.0.0.7', 'acme', 'ACME', 'Globex', 'globex', 'errorRate', 'routine', '1.9.0']) {
      assert.ok(!text.includes(secret), `the public projection contains "${secret}"`);
    }

    const acme = toCustomerReleaseView(status, 'acme')!;
    assert.deepEqual(acme.targets, [{ id: 'host-b', state: 'installed', stateLabel: 'Updated' }]);
    assert.deepEqual(acme.notices, [{ kind: 'incident', at: at(9), outcome: 'sent' }]);
    assert.equal(acme.incident?.affectedCustomers, 1);
    assert.equal(acme.canDefer, false, 'nothing to defer while it rolls back, nor once updating');
    const globex = toCustomerReleaseView(status, 'globex')!;
    assert.equal(globex.incident, null, 'Globex is not affected');
    assert.deepEqual(globex.deferral, { until: at(110), reason: null, at: at(2), requestedBy: 'support' }, 'who at our side deferred it is not named');
    for (const other of ['host-b', 'acme', 'ACME', 'alice', 'ops@globex']) assert.ok(!JSON.stringify(globex).includes(other), `Globex's view contains "${other}"`);
    assert.equal(toCustomerReleaseView(status, 'initech'), null);
  });
});
