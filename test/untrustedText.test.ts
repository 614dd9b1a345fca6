/**
 * Untrusted text (a customer's deferral reason from the portal, an alert's summary, any --reason,
 * a note sent straight through Temporal) never reaches a terminal, a Slack thread or a report raw:
 * the free-text schemas strip control and bidi characters and cap lengths, and every renderer
 * escapes again, since history may hold text that never met a schema.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { commandArgsSchema } from '../contract/commandArgs';
import { alertSignal, incidentNoteSignal } from '../contract/incident';
import { genericAlertSchema } from '../client/hooks/alertPayloads';
import { genericEvent } from '../client/hooks/normaliseAlerts';
import { escapeHtml } from '../client/portal/html';
import { startHookServer, webhookSignatureHeaders, type HookServer } from '../client/hooks/hookServer';
import { markdownBlock, markdownLine } from '../domain/escape/markdown';
import { mrkdwn, SlackMarkup, slackText } from '../domain/escape/slack';
import { terminalJson, terminalLine, terminalText } from '../domain/escape/terminal';
import { freeText, TEXT_CAPS } from '../domain/freeText';
import { escalationPoliciesSchema } from '../domain/incident';
import { parseInput } from '../domain/issues';
import { playbookSchema } from '../domain/playbook';
import { startSlackServer, type SlackStandin } from '../local/standins/slackServer';
import { rampart } from './helpers/cli';
import { portalPlaybook, PortalRig, request } from './helpers/portalRig';
import { fastPlaybook } from './helpers/rolloutHarness';
import { devServerAddress } from './helpers/temporal';

const ESC = '\u001b';
/** Anything that could move a cursor, retitle a window, erase a screen or reorder text. */
const RAW = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/;
const ATTACK = `${ESC}[2J${ESC}[H${ESC}]0;owned${'\u0007'}all good\r\u202Eevil`;

describe('free text: the schemas', () => {
  test('controls, escape sequences, bidi overrides and (in one-line fields) line breaks are stripped, then the text is trimmed', () => {
    const line = freeText(500);
    assert.equal(line.parse(`  our ${ESC}[31mquarter-end${ESC}[0m freeze\u202E\r\nthanks\u0008 `), 'our quarter-end freeze thanks');
    assert.equal(line.parse(`${ESC}]8;;http://evil.example${ESC}\\click${ESC}]8;;${ESC}\\`), 'click', 'an OSC 8 hyperlink leaves only its text');
    const note = freeText(2000, { multiline: true });
    assert.equal(note.parse(`first line\r\nsecond\u2066 line\u2069${ESC}[1A`), 'first line\nsecond line', 'a note keeps its lines');
  });

  test('a cap names the field (by its path) and states the cap and the length found', () => {
    const tooLong = parseInput(commandArgsSchema, { by: 'alice', reason: 'x'.repeat(TEXT_CAPS.line + 1) });
    assert.equal(tooLong.ok, false);
    assert.deepEqual(!tooLong.ok && tooLong.errors.map((e) => `${e.path}: ${e.message}`), ['reason: expected at most 500 characters (this one has 501)']);
    // Counted after cleaning: 600 characters of which 100 are escape codes fit a 500 cap.
    assert.equal(parseInput(commandArgsSchema, { by: 'alice', reason: `${'x'.repeat(500)}${`${ESC}[0m`.repeat(25)}` }).ok, true);
    const playbook = fastPlaybook();
    (playbook.planning as { preMortem: string[] }).preMortem = ['fine', 'y'.repeat(501)];
    const parsed = parseInput(playbookSchema, playbook);
    assert.deepEqual(!parsed.ok && parsed.errors.map((e) => `${e.path}: ${e.message}`), ['planning.preMortem[1]: expected at most 500 characters (this one has 501)']);
  });

  test('an alert from the generic webhook is cleaned at the edge; a summary of nothing but escapes is refused', () => {
    const alert = genericAlertSchema.parse({ severity: 'sev2', summary: `<!channel> ${ATTACK}`, details: { note: `line 1\n${ESC}[2Kline 2` } });
    const event = genericEvent(alert);
    assert.equal(event.summary, '<!channel> all good evil', 'controls go; the mention is text, escaped where Slack renders it');
    assert.equal(event.details.note, 'line 1\nline 2');
    const empty = parseInput(genericAlertSchema, { severity: 'sev2', summary: `${ESC}[2J\u202E` });
    assert.deepEqual(!empty.ok && empty.errors.map((e) => `${e.path}: ${e.message}`), ['summary: expected a non-empty summary']);
  });
});

describe('free text: the escapers', () => {
  test('terminal: every control becomes a visible escape; a whole rendering keeps its own line breaks', () => {
    assert.equal(terminalLine(`a${ESC}[2Jb\nc\u202Ed\u009b`), 'a\\u001b[2Jb\\u000ac\\u202ed\\u009b');
    assert.equal(terminalText(`one\ntwo${ESC}]0;x\u0007`), 'one\ntwo\\u001b]0;x\\u0007');
    assert.equal(terminalJson({ reason: `${ESC}x\u202E` }), '{"reason":"\\u001bx\\u202e"}');
    assert.deepEqual(JSON.parse(terminalJson({ reason: `${ESC}x\u202E` })), { reason: `${ESC}x\u202E` }, 'still the same JSON');
  });

  test('Slack: & < > are escaped so a mention, @channel or a disguised link shows as text; markup Rampart means stays', () => {
    assert.equal(slackText('<!channel> <@U123> <http://evil.example|your bank> & co'), '&lt;!channel&gt; &lt;@U123&gt; &lt;http://evil.example|your bank&gt; &amp; co');
    assert.equal(mrkdwn`Paging ${'<!here>'}: ${new SlackMarkup('<@U0OLGA>')}`, 'Paging &lt;!here&gt;: <@U0OLGA>');
  });

  test('Markdown: no link, image, heading, list, table cell, emphasis or raw HTML from a value', () => {
    assert.equal(markdownLine('[click](http://evil) ![x](y) <b>hi</b> a|b *em* `c`'), '\\[click\\]\\(http://evil\\) \\!\\[x\\]\\(y\\) &lt;b&gt;hi&lt;/b&gt; a\\|b \\*em\\* \\`c\\`');
    assert.equal(markdownLine('# heading'), '\\# heading');
    assert.equal(markdownBlock('# heading\n- item\n1. step\n> quote\nplain'), '\\# heading\n\\- item\n1\\. step\n&gt; quote\nplain');
  });

  test('portal HTML: controls and bidi overrides are dropped before escaping', () => {
    assert.equal(escapeHtml(`\u202Egpj.exe <b>${ESC}[2J`), 'gpj.exe &lt;b&gt;[2J');
  });
});

describe('untrusted text on the real servers (dev server, portal, Slack stand-in, CLI processes)', () => {
  const rig = new PortalRig();
  let slack: SlackStandin;
  let env: Record<string, string>;
  let policy: string;
  let hooks: HookServer;
  const SLACK_TOKEN = 'xoxb-untrusted-text-test';
  const HOOK_SECRET = 'untrusted-text-hook-secret-0123';
  const POLICIES = {
    policies: [{
      name: 'all',
      severities: ['sev1', 'sev2', 'sev3', 'sev4'],
      tiers: [{ name: 'on-call', ackDeadline: '1h', people: [{ name: 'olga', email: 'olga@example.com', slack: 'U0OLGA' }], channels: [{ slack: '#incidents' }] }],
    }],
  };

  before(async () => {
    slack = await startSlackServer({ tokens: [SLACK_TOKEN] });
    // The in-process worker reads these when it sends.
    Object.assign(process.env, { SLACK_BOT_TOKEN: SLACK_TOKEN, SLACK_API_URL: slack.url });
    await rig.start();
    env = { TEMPORAL_ADDRESS: devServerAddress(), RAMPART_TASK_QUEUE: rig.h.taskQueue };
    policy = path.join(rig.h.dir, 'escalation.json');
    writeFileSync(policy, JSON.stringify(POLICIES));
    const policies = { raw: POLICIES, value: escalationPoliciesSchema.parse(POLICIES) };
    hooks = await startHookServer({ secret: HOOK_SECRET, onAlert: (event) => rig.h.incidents.openOrJoin(policies, event, event.source) });
  });
  after(async () => {
    await hooks?.close();
    await rig.stop();
    await slack?.close();
  });

  const assertClean = (what: string, text: string) => {
    const found = RAW.exec(text);
    assert.equal(found, null, `${what} printed a raw ${found ? JSON.stringify(found[0]) : ''} at ${found?.index}: ${JSON.stringify(text.slice(Math.max(0, (found?.index ?? 0) - 60), (found?.index ?? 0) + 20))}`);
  };

  test('rollout start --reason has the same 500-character cap as every other command; a summary too long or a rollout id with escapes is exit 2; errors quote input escaped', async () => {
    const hostileKey = path.join(rig.h.dir, 'hostile-key.yaml');
    writeFileSync(hostileKey, 'name: x\n"\\e[2Jevil": 1\n');
    const [long, pause, summary, rollout, validate] = await Promise.all([
      rampart(['rollout', 'start', '--playbook', 'none.yaml', '--artifact', 'none.tar.gz', '--reason', 'r'.repeat(501)], env),
      rampart(['rollout', 'pause', 'any-id', '--reason', 'r'.repeat(501)], env),
      rampart(['incident', 'open', '--severity', 'sev3', '--summary', 's'.repeat(501)], env),
      rampart(['incident', 'open', '--severity', 'sev3', '--summary', 'fine', '--rollout', `${ESC}[2J`], env),
      rampart(['playbook', 'validate', hostileKey], env),
    ]);
    assert.equal(long.code, 2, long.stderr);
    assert.match(long.stderr, /^rampart: --reason: expected at most 500 characters \(this one has 501\)$/m);
    assert.doesNotMatch(long.stderr, /\n\s+at /, 'no stack trace');
    assert.equal(pause.code, 2);
    assert.match(pause.stderr, /--reason: expected at most 500 characters \(this one has 501\)/);
    assert.equal(summary.code, 2);
    assert.match(summary.stderr, /--summary: expected at most 500 characters \(this one has 501\)/);
    assert.equal(rollout.code, 2);
    assert.match(rollout.stderr, /--rollout: expected a rollout id of letters, digits/);
    // An error that quotes the input (an unknown key with an escape in it) quotes it escaped.
    assert.equal(validate.code, 2);
    assert.match(validate.stderr, /:2:\d+: \\u001b\[2Jevil: unknown key/);
    assertClean('an error message', validate.stderr);
  });

  test('a deferral reason from the portal, a --reason and a raw Update reason: status and watch print no control byte', async () => {
    const id = 'untrusted-rollout';
    const handle = await rig.startRollout(id, { version: '1.4.0', playbook: portalPlaybook({ phases: { canary: { size: 1, bakeTime: '5m' }, waves: [{ size: '100%', bakeTime: '1s' }] } }) });
    try {
      await rig.waitForRelease(id, (r) => r.steps[0]?.state === 'monitoring');
      // A customer sends escapes through the real portal: the schema strips them before the workflow sees them.
      const until = new Date(Date.now() + 3_600_000).toISOString();
      const deferred = await request(`${rig.portal.url}/api/customers/globex/defer`, {
        method: 'POST',
        headers: { authorization: `Bearer ${rig.token('globex')}`, 'content-type': 'application/json', origin: rig.portal.url },
        body: JSON.stringify({ rolloutId: id, until, reason: `quarter-end ${ATTACK}` }),
      });
      assert.equal(deferred.status, 200, deferred.text);
      const recorded = (await rig.status(id)).customers?.find((c) => c.id === 'globex')?.deferral?.reason;
      assert.equal(recorded, 'quarter-end all good evil');
      // Straight through Temporal, past the CLI: the validator accepts, the raw text enters history.
      await rig.rollouts.command(id, 'pause', { by: 'mallory', reason: `raw ${ATTACK}` });
      const resume = await rampart(['rollout', 'resume', id, '--by', 'alice', '--reason', `cli ${ATTACK}`], env);
      assert.equal(resume.code, 0, resume.stderr);
      const history = (await rig.status(id)).timeline;
      assert.ok(history.some((e) => e.reason?.includes(`${ESC}[2J`)), 'the raw reason is in history as sent');
      assert.ok(history.some((e) => e.reason === 'cli all good evil'), 'the CLI stripped its own --reason');

      const [status, json] = await Promise.all([rampart(['rollout', 'status', id], env), rampart(['rollout', 'status', id, '--json'], env)]);
      assert.equal(status.code, 0, status.stderr);
      assertClean('rollout status', status.stdout);
      assertClean('rollout status --json', json.stdout);
      assert.equal(JSON.parse(json.stdout).timeline.find((e: { event: string }) => e.event === 'paused').reason, `raw ${ATTACK}`, 'the JSON still carries the exact text');

      const stop = await rampart(['rollout', 'stop', id, '--by', 'alice', '--reason', `stop ${ATTACK}`], env);
      assert.equal(stop.code, 0, stop.stderr);
      const watch = await rampart(['rollout', 'watch', id], env);
      assert.equal(watch.code, 6, watch.stderr);
      assertClean('rollout watch', watch.stdout);
      assert.match(watch.stdout, /stop all good evil/);
      assert.match(watch.stdout, /paused by mallory \(raw \\u001b\[2J\\u001b\[H\\u001b\]0;owned\\u0007all good\\u000d\\u202eevil\)/, 'the raw reason is shown, as visible escapes');
      const ended = await rampart(['rollout', 'status', id], env);
      assertClean('rollout status of the stopped rollout', ended.stdout);
    } finally {
      await handle.terminate('test over').catch(() => undefined);
    }
  });

  test('an incident: summary, raw alert and note signals, --reason and --root-cause reach the terminal, Slack, mail and the report escaped', async () => {
    const opened = await rampart(['incident', 'open', '--severity', 'sev2', '--summary', `<!channel> checkout down ${ATTACK}`, '--policy', policy, '--by', 'support', '--json'], env);
    assert.equal(opened.code, 0, opened.stderr);
    const { incidentId } = JSON.parse(opened.stdout) as { incidentId: string };
    const workflow = rig.h.client.workflow.getHandle(incidentId);
    // Straight as signals to the real workflow: no client, no schema on the way.
    await workflow.signal(alertSignal, { source: 'webhook', severity: 'sev2', summary: `<!here> again ${ATTACK}`, dedupKey: 'x', details: {}, status: 'firing' });
    await workflow.signal(incidentNoteSignal, { event: 'contained', detail: `<!channel> see <http://evil.example|the runbook> ${ATTACK}` });
    await rig.h.incidents.ack(incidentId, { by: 'olga', reason: `raw ${ATTACK}` });
    const resolved = await rampart(['incident', 'resolve', incidentId, '--by', 'olga', '--reason', `fixed ${ATTACK}`,
      '--root-cause', '# Not a heading\n<img src=x onerror=alert(1)> [click](http://evil.example)\nA cold cache.'], env);
    assert.equal(resolved.code, 0, resolved.stderr);
    await workflow.result();

    const [status, json, report] = await Promise.all([
      rampart(['incident', 'status', incidentId], env),
      rampart(['incident', 'status', incidentId, '--json'], env),
      rampart(['incident', 'report', incidentId], env),
    ]);
    assert.equal(status.code, 0, status.stderr);
    assertClean('incident status', status.stdout);
    assert.match(status.stdout, /<!channel> checkout down all good evil/, 'the CLI stripped the summary it was given');
    // A raw alert signal is parsed (and its text cleaned) by the workflow itself on the way in.
    assert.match(status.stdout, /duplicate alert joined: webhook: <!here> again all good evil/);
    assertClean('incident status --json', json.stdout);

    assert.equal(report.code, 0, report.stderr);
    assertClean('incident report', report.stdout);
    assert.match(report.stdout, /^# Incident inc-[0-9a-f]+: &lt;\\!channel&gt; checkout down all good evil$/m);
    assert.match(report.stdout, /## Root cause\n\n\\# Not a heading\n&lt;img src=x onerror=alert\\\(1\\\)&gt; \\\[click\\\]\\\(http:\/\/evil\.example\\\)\nA cold cache\./);
    assert.match(report.stdout, /\| contained \| rampart \| &lt;\\!channel&gt; see &lt;http:\/\/evil\.example\\\|the runbook&gt;/);
    assert.doesNotMatch(report.stdout, /<img|\[click\]\(/);

    const thread = slack.messages().filter((m) => JSON.stringify(m).includes(incidentId) || m.thread_ts !== undefined);
    const texts = thread.map((m) => m.text);
    assert.ok(texts.length >= 3, JSON.stringify(texts));
    for (const text of texts) {
      assert.doesNotMatch(text, /<!channel>|<!here>|<http:/, `posted raw: ${text}`);
      assertClean('a Slack message', text);
    }
    assert.ok(texts.some((t) => t.includes('&lt;!channel&gt; checkout down')), 'the header fallback shows the summary as text');
    assert.ok(texts.some((t) => t.includes('contained: &lt;!channel&gt; see &lt;http://evil.example|the runbook&gt;')), JSON.stringify(texts));
    assert.ok(texts.some((t) => /^Paging on-call: <@U0OLGA>\./.test(t)), "Rampart's own mention still pings the paged person");

    const mails = rig.smtp.messages().filter((m) => (m.headers.messageId ?? '').includes(incidentId));
    assert.ok(mails.length > 0);
    for (const mail of mails) {
      assertClean('a mail subject', mail.headers.subject ?? '');
      assert.match(mail.headers.subject ?? '', /checkout down all good evil/);
    }
  });
  test('an Alertmanager alert through the real hook server: its summary reaches the terminal and Slack without escapes or a ping', async () => {
    const body = JSON.stringify({
      version: '4', groupKey: '{}:{alertname="Untrusted"}', truncatedAlerts: 0, status: 'firing', receiver: 'rampart',
      groupLabels: { alertname: 'Untrusted' }, commonLabels: { alertname: 'Untrusted', severity: 'critical' },
      commonAnnotations: { summary: `<!channel> payments ${ATTACK}` }, externalURL: 'http://alertmanager:9093',
      alerts: [{ status: 'firing', labels: { alertname: 'Untrusted', severity: 'critical' }, annotations: { summary: `<!channel> payments ${ATTACK}`, description: `<http://evil.example|runbook>${ESC}[8m` }, startsAt: new Date().toISOString(), endsAt: '0001-01-01T00:00:00Z' }],
    });
    const reply = await request(`${hooks.url}/hooks/alertmanager`, { method: 'POST', headers: { 'content-type': 'application/json', ...webhookSignatureHeaders(HOOK_SECRET, body) }, body });
    assert.equal(reply.status, 202, reply.text);
    const { incidentId } = reply.json.incidents[0] as { incidentId: string };
    const status = await rampart(['incident', 'status', incidentId], env);
    assert.equal(status.code, 0, status.stderr);
    assertClean('incident status', status.stdout);
    assert.match(status.stdout, /^incident inc-\S+  sev1  open  <!channel> payments all good evil$/m, 'the hook stripped the escapes');
    const deadline = Date.now() + 20_000;
    let header: string | undefined;
    while (!header && Date.now() < deadline) {
      header = slack.messages().find((m) => JSON.stringify(m.metadata ?? {}).includes(incidentId) && !m.thread_ts)?.text;
      if (!header) await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(header, `[SEV1] ${incidentId}: &lt;!channel&gt; payments all good evil`);
    await rig.h.incidents.resolve(incidentId, { by: 'olga' }).catch(() => undefined);
  });
});
