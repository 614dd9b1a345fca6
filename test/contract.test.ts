import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { followUpIncidentId, incidentKeyFor, incidentWorkflowId, regateWorkflowId, rolloutDedupKey, stepWorkflowId } from '../contract/ids';
import * as contract from '../contract';
import { messageArgSchemas } from '../contract/messageArgs';
import { WorkflowType } from '../contract/workflowTypes';
import * as workflows from '../workflows';

test('every workflow type the contract names is a registered workflow function of that name', () => {
  for (const name of Object.values(WorkflowType)) {
    const fn = (workflows as Record<string, unknown>)[name];
    assert.equal(typeof fn, 'function', `${name} is exported by workflows/`);
    assert.equal((fn as { name: string }).name, name);
  }
});

test("one incident id scheme: a rollout's key reads as inc-<rollout>, any other key as before (sha256 prefix)", () => {
  assert.equal(incidentWorkflowId(rolloutDedupKey('checkout-1.2.0-abc')), 'inc-checkout-1.2.0-abc');
  const key = 'alertmanager:{}:{alertname="HighErrorRate"}';
  assert.equal(incidentWorkflowId(key), `inc-${createHash('sha256').update(key).digest('hex').slice(0, 10)}`);
  assert.equal(incidentKeyFor({ dedupKey: key, rolloutId: 'r-42' }), 'rollout:r-42');
  assert.equal(incidentKeyFor({ dedupKey: key }), key);
  assert.equal(stepWorkflowId('r-42', 'wave-1'), 'r-42/wave-1');
  assert.equal(regateWorkflowId('r-42', 'wave-1', 2), 'r-42/wave-1/regate-2');
  assert.equal(followUpIncidentId('r-42', 2), 'inc-r-42.2', 'a trip after the first incident was resolved');
});

test('every Signal, Update and Query the contract defines has its argument schema in messageArgSchemas', () => {
  const defined = (Object.values(contract) as unknown[])
    .filter((v): v is { type: string; name: string } => typeof v === 'object' && v !== null && ['signal', 'update', 'query'].includes((v as { type?: string }).type ?? ''))
    .map((d) => d.name)
    .sort();
  assert.ok(defined.length >= 20, `found ${defined.length} message definitions`);
  assert.deepEqual(defined, Object.keys(messageArgSchemas).sort(), 'a new message needs its schema, so workflows can parse what anyone sends');
});
