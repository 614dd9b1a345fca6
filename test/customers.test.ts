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
