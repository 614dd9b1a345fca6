/** The worker's configuration: read from the environment once, handed to the activities; TLS files read through an injected reader. */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { readTlsFiles } from '../domain/temporalConfig';
import { activityDependenciesFromEnv, workerConfigFromEnv } from '../worker/config';

test('activity dependencies from the environment: defaults, empty as unset, secrets looked up by name', () => {
  const env: Record<string, string | undefined> = { SLACK_BOT_TOKEN: '', SMTP_URL: 'smtp://u:p@127.0.0.1:2525', HOOK_SECRET: 's3' };
  const deps = activityDependenciesFromEnv(env);
  assert.equal(deps.stateDir, path.resolve('.rampart'));
  assert.deepEqual(deps.slack, { token: undefined, apiUrl: undefined });
  assert.equal(deps.mail.from(), 'rampart@localhost');
  assert.equal(deps.mail.serverName(), '127.0.0.1:2525');
  assert.equal(deps.secret('HOOK_SECRET'), 's3');
  env.LATER_SECRET = 'named by a fleet file that arrives later';
  assert.equal(deps.secret('LATER_SECRET'), env.LATER_SECRET);
  assert.equal(deps.secret('NOT_SET'), undefined);
  deps.mail.close();

  const config = workerConfigFromEnv({ RAMPART_STATE_DIR: '/tmp/rampart-state', RAMPART_TASK_QUEUE: 'q1' });
  assert.equal(config.activities.stateDir, '/tmp/rampart-state');
  assert.equal(config.temporal.taskQueue, 'q1');
});

test('TLS files come through the given reader; an unreadable one names the file and its variable', () => {
  const read: string[] = [];
  const files = readTlsFiles({ caPath: '/ca.pem', certPath: '/c.pem', keyPath: '/k.pem', serverName: 'temporal.example' }, (file) => {
    read.push(file);
    return new TextEncoder().encode(`pem of ${file}`);
  });
  assert.deepEqual(read, ['/ca.pem', '/c.pem', '/k.pem']);
  assert.equal(files?.serverNameOverride, 'temporal.example');
  assert.equal(new TextDecoder().decode(files?.clientCertPair?.key), 'pem of /k.pem');
  assert.equal(readTlsFiles(undefined, () => assert.fail('no TLS, nothing to read')), undefined);
  assert.throws(
    () => readTlsFiles({ caPath: '/missing.pem' }, () => { throw new Error('ENOENT'); }),
    /cannot read the TLS CA certificate \(TEMPORAL_TLS_CA\) \/missing.pem: ENOENT/,
  );
});
