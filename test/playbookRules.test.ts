import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { describeErrors, parseInput } from '../domain/issues';
import { playbookSchema } from '../domain/playbook';
import { fastPlaybook } from './helpers/fastPlaybook';

/** What `playbook validate` prints for a playbook: every error with its field's path and rule. */
const errorsOf = (overrides: Record<string, unknown>): string => {
  const parsed = parseInput(playbookSchema, fastPlaybook(overrides));
  return parsed.ok ? '' : describeErrors(parsed.errors);
};
const risk = (level: string) => ({ riskAssessment: { level, summary: 'touches billing' }, preMortem: ['double charges'], successCriteria: ['no errors'] });

describe('playbook rules beyond the field types', () => {
  test('a high or critical risk needs an approval by someone other than the starter', () => {
    for (const level of ['high', 'critical']) {
      assert.match(errorsOf({ planning: risk(level) }), /approvals: a high or critical risk needs an approval by someone other than the starter/, level);
      assert.match(errorsOf({ planning: risk(level), approvals: [{ step: 'canary', count: 1, excludeStarter: false }] }), /a high or critical risk needs an approval/, `${level}: the starter approving does not count`);
      assert.equal(errorsOf({ planning: risk(level), approvals: [{ step: 'canary', count: 1 }] }), '', `${level}: excludeStarter is the default`);
    }
    assert.equal(errorsOf({ planning: risk('medium') }), '', 'a medium risk needs no approval');
  });

  test('direct and pilot install the rest in exactly one wave', () => {
    const twoWaves = [{ size: '50%', bakeTime: '1m' }, { size: '100%', bakeTime: '1m' }];
    assert.match(errorsOf({ method: 'direct', phases: { waves: twoWaves } }), /phases\.waves: the direct method installs the rest in exactly one wave/);
    assert.match(errorsOf({ method: 'pilot', phases: { canary: { size: 1, bakeTime: '1m' }, waves: twoWaves } }), /phases\.waves: the pilot method installs the rest in exactly one wave/);
    assert.equal(errorsOf({ method: 'direct', phases: { waves: [{ size: '100%', bakeTime: '1m' }] } }), '');
    assert.equal(errorsOf({ method: 'phased', phases: { canary: { size: 1, bakeTime: '1m' }, waves: twoWaves } }), '', 'phased may have many waves');
  });
});
