import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { rampart } from './helpers/cli';
import { RolloutHarness } from './helpers/rolloutHarness';

describe('rampart customers validate', () => {
  test('the example customer file is valid', async () => {
    const r = await rampart(['customers', 'validate', path.resolve(__dirname, '../playbooks/customers/example.yaml')]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /initech: stable, pinned to N-1/);
  });

  test('a bad customer file lists every error with its line, path and rule, and exits 2', async () => {
    const h = new RolloutHarness();
    const file = h.writeFile('customers.yaml', [
      'customers:',
      '  - id: acme',
      '    name: ACME',
      '    targets: [t-01]',
      '    contacts: { emails: [not-an-email] }',
      '    timeZone: Mars/Olympus',
      '    maintenanceWindows: [{ day: someday, start: "25:00", duration: 1h }]',
      '    optOut: [incident]',
      '  - id: acme',
      '    name: Copy',
      '    targets: [t-01]',
      '    contacts: {}',
      '    timeZone: UTC',
      '    maintenanceWindows: [{ day: mon, start: "01:00", duration: 1h }]',
    ].join('\n'));
    const r = await rampart(['customers', 'validate', file]);
    assert.equal(r.code, 2);
    for (const expected of [
      /customers\[0\]\.contacts\.emails\[0\]: expected an email address/,
      /customers\[0\]\.timeZone: expected an IANA time zone such as "Europe\/Berlin"/,
      /customers\[0\]\.maintenanceWindows\[0\]\.day: expected one of mon, tue/,
      /customers\[0\]\.maintenanceWindows\[0\]\.start: expected a 24-hour time/,
      /customers\[0\]\.optOut\[0\]: .*security and incident notices cannot be opted out of/,
      /customers\[1\]\.contacts: give at least one way to reach the customer/,
    ]) assert.match(r.stderr, expected);
    assert.match(r.stderr, /customers\.yaml:6:\d+: customers\[0\]\.timeZone/);
  });
});

describe('rampart rollout start --customers', () => {
  test('a customer naming a target the fleet does not have is exit 2 before anything starts', async () => {
    const h = new RolloutHarness();
    const artifact = await h.artifact('1.1.0');
    const fleet = h.writeFile('fleet.json', JSON.stringify({ name: 'f', version: '1.0.0', targets: [{ id: 't-01', adapter: 'noop' }, { id: 't-02', adapter: 'noop' }] }));
    const customers = h.writeFile('customers.yaml', [
      'customers:',
      '  - id: acme',
      '    name: ACME',
      '    targets: [t-01, t-99]',
      '    contacts: { emails: [ops@acme.example] }',
      '    timeZone: Europe/Berlin',
      '    maintenanceWindows: [{ day: tue, start: "02:00", duration: 3h }]',
    ].join('\n'));
    const playbook = path.resolve(__dirname, '../playbooks/direct.yaml');
    // Nothing listens on port 1: had it tried to start the rollout, this would be exit 5, not 2.
    const r = await rampart(['rollout', 'start', '--playbook', playbook, '--fleet', fleet, '--artifact', artifact.path, '--customers', customers], { TEMPORAL_ADDRESS: '127.0.0.1:1' });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /customers\.yaml: customers\[0\]\.targets\[1\]: no such target in the fleet: t-99/);
  });
});
