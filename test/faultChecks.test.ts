/**
 * The fault campaign's judges can fail: the checks of test/helpers/faults/ against records written
 * by hand as the targets and stand-ins would keep them. A clean round passes; a target switched
 * in twice, a change applied twice, a mail or webhook delivered twice, a notice lost, a page lost
 * and a rollout in the wrong end state are each reported, with what and where.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { noticeMessageId } from '../activities/customerNotify/emailNotice';
import type { JournalRecord } from '../activities/adapters/local/installJournal';
import type { IncidentStatus } from '../domain/incidentStatus';
import type { RolloutStatus } from '../domain/rolloutStatus';
import type { RoundResult } from './helpers/faults/campaignRound';
import type { RoundPlan } from './helpers/faults/campaignRollouts';
import { checkDeliveries, repeatedDeliveries } from './helpers/faults/deliveryChecks';
import type { Evidence, TargetEvidence } from './helpers/faults/evidence';
import { checkRoundTargets } from './helpers/faults/targetChecks';

const T0 = Date.parse('2026-12-01T10:00:00Z');
const ms = (s: number) => T0 + s * 1000;
const at = (s: number) => new Date(ms(s)).toISOString();
const GOOD = 'good-r1';
const BAD = 'bad-r1';
const INC = `inc-${BAD}`;

function change(key: string, action: JournalRecord['action'], from: string, to: string, s: number): JournalRecord[] {
  return [{ key, action, from, to, at: at(s), phase: 'begin' }, { key, action, from, to, at: at(s + 1), phase: 'done' }];
}

const notice = (rollout: string, customer: string, kind: string, channels: string[]) =>
  ({ key: `${rollout}/${customer}/${kind}/1`, kind, category: kind, at: at(5), outcome: 'sent', channels });

/** A round as the campaign sees it when everything went right, and the records that prove it. */
function cleanRound(): { result: RoundResult; evidence: Evidence } {
  const good = {
    rolloutId: GOOD, state: 'completed', outcome: { result: 'completed', reason: 'done' }, breaker: null, targets: [], steps: [],
    customers: [{ id: 'acme', targets: ['t-01'], notices: [notice(GOOD, 'acme', 'pre-deployment', ['email', 'webhook']), notice(GOOD, 'acme', 'post-deployment', ['email', 'webhook'])] }],
  } as unknown as RolloutStatus;
  const bad = {
    rolloutId: BAD, state: 'rolled_back', outcome: { result: 'rolled_back', reason: 'breach' }, breaker: { step: 'canary' }, targets: [],
    steps: [{ name: 'canary', targets: ['t-01'] }],
    customers: [
      { id: 'initech', targets: ['t-01'], notices: [notice(BAD, 'initech', 'incident', ['slack']), notice(BAD, 'initech', 'incident-resolved', ['slack'])] },
      { id: 'hooli', targets: ['t-02'], notices: [] },
    ],
  } as unknown as RolloutStatus;
  const incident = {
    incidentId: INC, state: 'resolved', acknowledged: { by: 'sam', at: at(20) },
    timeline: [{ event: 'paged', at: at(10), detail: 'tier on-call (olga), ack within 3s' }, { event: 'escalated', at: at(13), detail: 'tier senior (sam), ack within 10m' }],
  } as unknown as IncidentStatus;
  const plan = { round: 1, good: { input: { rolloutId: GOOD }, version: '1.1.0', fleet: 'good' }, bad: { input: { rolloutId: BAD }, version: '9.1.0', fleet: 'bad', incidentId: INC } } as unknown as RoundPlan;
  const targets: TargetEvidence[] = [
    { fleet: 'good', targetId: 't-01', journal: change(`${GOOD}/t-01/1.1.0/canary@acme`, 'install', '1.0.0', '1.1.0', 2), boots: [{ at: at(-100), version: '1.0.0', pid: 1 }, { at: at(3), version: '1.1.0', pid: 2 }], serving: '1.1.0' },
    { fleet: 'bad', targetId: 't-01', journal: [...change(`${BAD}/t-01/9.1.0/canary@initech`, 'install', '1.0.0', '9.1.0', 2), ...change(`${BAD}/t-01/1.0.0/rollback`, 'rollback', '9.1.0', '1.0.0', 8)], boots: [{ at: at(3), version: '9.1.0', pid: 3 }, { at: at(9), version: '1.0.0', pid: 4 }], serving: '1.0.0' },
    { fleet: 'bad', targetId: 't-02', journal: [], boots: [], serving: '1.0.0' },
  ];
  const mail = (id: string) => ({ seq: 1, receivedAt: at(5), envelope: { from: null, to: [] }, authUser: null, headers: { messageId: id }, raw: '' });
  const slack = (key: string) => ({ channel: 'C1', channelName: 'x', ts: '1.0', text: '', user: 'U', bot_id: 'B', updates: 0, metadata: { event_type: 'rampart_notice', event_payload: { key } } });
  const evidence = {
    targets,
    mails: [mail(noticeMessageId(`${GOOD}/acme/pre-deployment/1`)), mail(noticeMessageId(`${GOOD}/acme/post-deployment/1`)), mail(`<${INC}.opened@rampart>`), mail(`<${INC}.page-1-1@rampart>`)],
    webhooks: [`${GOOD}/acme/pre-deployment/1`, `${GOOD}/acme/post-deployment/1`].map((key) => ({ endpoint: 'acme', key, accepted: true, status: 200, receivedAt: at(5), body: {} })),
    slack: [slack(`${BAD}/initech/incident/1/slack`), slack(`${BAD}/initech/incident-resolved/1/slack`), slack(`${INC}/slack/header`), slack(`${INC}/slack/page-1-0`), slack(`${INC}/slack/page-1-1`)],
    interruptedSends: [],
    killedAt: [],
    unexpectedWorkerExits: [],
  } as unknown as Evidence;
  return { result: { plan, startedAt: T0, endedAt: T0 + 60_000, good, bad, incident }, evidence };
}

const judge = ({ result, evidence }: ReturnType<typeof cleanRound>) => [...checkRoundTargets(result, evidence.targets), ...checkDeliveries([result], evidence)];

describe('the fault campaign checks', () => {
  test('a round where everything went right passes', () => {
    assert.deepEqual(judge(cleanRound()), []);
  });

  test('a target switched in twice, a change applied twice and one left half-way are reported', () => {
    const round = cleanRound();
    const [goodT1, badT1] = round.evidence.targets;
    goodT1!.boots.push({ at: at(30), version: '1.1.0', pid: 9 });
    badT1!.journal.push({ ...badT1!.journal[3]! });
    goodT1!.journal.push({ key: `${GOOD}/t-01/1.1.0/wave-9`, action: 'install', from: '1.1.0', to: '1.1.0', at: at(40), phase: 'begin' });
    const found = judge(round);
    assert.ok(found.some((v) => v === 'good fleet t-01 booted [1.1.0, 1.1.0] during round 1, expected 1.1.0 once'), found.join('\n'));
    assert.ok(found.some((v) => /bad fleet t-01: change bad-r1\/t-01\/1.0.0\/rollback recorded 1 begin\(s\) and 2 done\(s\): applied more than once/.test(v)), found.join('\n'));
    assert.ok(found.some((v) => /good fleet t-01: change good-r1\/t-01\/1.1.0\/wave-9 was begun and never finished/.test(v)), found.join('\n'));
  });

  test("a boot of the next round's install, within a second of this round's end, is the next round's", () => {
    const round = cleanRound();
    const [goodT1] = round.evidence.targets;
    const nextStartedAt = round.result.endedAt + 200;
    goodT1!.boots.push({ at: new Date(nextStartedAt + 300).toISOString(), version: '1.2.0', pid: 10 });
    assert.deepEqual(checkRoundTargets(round.result, round.evidence.targets, { nextStartedAt }), []);
    // Without knowing when the next round began, the second of slack takes it in: the old false alarm.
    assert.ok(checkRoundTargets(round.result, round.evidence.targets).includes('good fleet t-01 booted [1.1.0, 1.2.0] during round 1, expected 1.1.0 once'));
  });

  test('a mail and a webhook delivered twice, a lost notice and a lost page are reported', () => {
    const round = cleanRound();
    round.evidence.mails.push(structuredClone(round.evidence.mails[0]!));
    // A second, different notice under one key, and the same request again with no kill to explain it.
    const repeated = structuredClone(round.evidence.webhooks[1]!);
    round.evidence.webhooks.push({ ...repeated, body: { ...(repeated.body as object), text: 'another notice' } }, structuredClone(round.evidence.webhooks[0]!));
    round.evidence.slack.splice(0, 1); // initech's incident notice never reached Slack
    round.evidence.slack.splice(-1, 1); // nor the page of the senior tier
    round.evidence.mails.splice(2, 1); // nor the paging mail to on-call
    const found = judge(round);
    assert.ok(found.includes(`mail ${noticeMessageId(`${GOOD}/acme/pre-deployment/1`)} was delivered 2 times, 0 of the repeats after a worker killed mid-send`), found.join('\n'));
    assert.ok(found.includes(`customer webhook ${GOOD}/acme/post-deployment/1 was delivered 2 times with 2 different contents`), found.join('\n'));
    assert.ok(found.includes(`customer webhook ${GOOD}/acme/pre-deployment/1 was delivered 2 times, 0 of the repeats after a worker killed mid-send`), found.join('\n'));
    assert.ok(found.includes(`${BAD} records notice ${BAD}/initech/incident/1 as sent by slack, but the slack stand-in never got it`), found.join('\n'));
    assert.ok(found.includes(`${INC}: Slack page of senior (${INC}/slack/page-1-1) never arrived`), found.join('\n'));
    assert.ok(found.includes(`${INC}: paging mail to on-call (<${INC}.opened@rampart>) never arrived`), found.join('\n'));
  });

  test('a repeat is excused only by an interrupted attempt of its key with a worker kill between the attempt and its retry', () => {
    const id = noticeMessageId(`${GOOD}/acme/pre-deployment/1`);
    const webhookKey = `${GOOD}/acme/pre-deployment/1`;
    const repeatedRound = () => {
      const round = cleanRound();
      round.evidence.mails.push(structuredClone(round.evidence.mails[0]!));
      round.evidence.webhooks.push(structuredClone(round.evidence.webhooks[0]!));
      round.evidence.interruptedSends = [
        { key: `email:${webhookKey}/email`, messageId: id, beganAt: ms(4), retriedAt: ms(6) },
        { key: `webhook:${webhookKey}/webhook`, beganAt: ms(4), retriedAt: ms(6) },
      ];
      return round;
    };
    const killedBetween = repeatedRound();
    killedBetween.evidence.killedAt = [ms(5)];
    assert.deepEqual(judge(killedBetween), []);
    assert.deepEqual(repeatedDeliveries(killedBetween.evidence).explained, [`mail ${id} sent again after a worker was killed mid-send`, `customer webhook ${webhookKey} sent again after a worker was killed mid-send`]);

    const killedElsewhere = repeatedRound();
    killedElsewhere.evidence.killedAt = [ms(7)];
    const found = judge(killedElsewhere);
    assert.ok(found.includes(`mail ${id} was delivered 2 times, 0 of the repeats after a worker killed mid-send`), found.join('\n'));
    assert.ok(found.includes(`customer webhook ${webhookKey} was delivered 2 times, 0 of the repeats after a worker killed mid-send`), found.join('\n'));

    const thrice = repeatedRound();
    thrice.evidence.killedAt = [ms(5)];
    thrice.evidence.mails.push(structuredClone(thrice.evidence.mails[0]!));
    assert.ok(judge(thrice).includes(`mail ${id} was delivered 3 times, 1 of the repeats after a worker killed mid-send`));

    const otherSubject = repeatedRound();
    otherSubject.evidence.killedAt = [ms(5)];
    otherSubject.evidence.mails.at(-1)!.headers.subject = 'another notice';
    assert.ok(judge(otherSubject).includes(`mail ${id} was delivered 2 times with 2 different contents`));
  });

  test('a rollout in the wrong end state and an incident that skipped a tier are reported', () => {
    const round = cleanRound();
    round.result.good.state = 'rolled_back';
    round.result.incident.timeline.splice(1, 1);
    const found = judge(round);
    assert.ok(found.includes('good-r1 ended rolled_back, not completed: done'), found.join('\n'));
    assert.ok(found.includes(`${INC} paged [paged tier on-call], expected on-call once, then senior once`), found.join('\n'));
  });
});
