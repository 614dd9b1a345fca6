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

test('RAMPART_ARTIFACT_STORE: default the working directory, several folders joined by ":", the file system root refused naming the variable', () => {
  const mailOf = (deps: { mail: { close(): void } }) => deps.mail.close();
  const byDefault = activityDependenciesFromEnv({});
  assert.deepEqual(byDefault.artifactStore, [path.resolve('.')]);
  const several = activityDependenciesFromEnv({ RAMPART_ARTIFACT_STORE: `/srv/artifacts${path.delimiter}builds` });
  assert.deepEqual(several.artifactStore, ['/srv/artifacts', path.resolve('builds')]);
  [byDefault, several].forEach(mailOf);
  assert.throws(() => workerConfigFromEnv({ RAMPART_ARTIFACT_STORE: '/' }), (err: Error) => err.name === 'WorkerConfigError' && /RAMPART_ARTIFACT_STORE "\/" names the file system's root/.test(err.message));
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

test('RAMPART_LEDGER_URL: where it points (host:port or socket path, never the password); a malformed one names the variable and the rule', async () => {
  const tcp = workerConfigFromEnv({ RAMPART_LEDGER_URL: 'postgres://rampart:pw-123@db.internal:6543/rampart' });
  assert.equal(tcp.ledger.kind, 'postgres');
  assert.equal(tcp.ledger.kind === 'postgres' && tcp.ledger.address, 'db.internal:6543');
  assert.ok(tcp.activities.sentLedger && tcp.activities.noticeDecisions, 'both move to the database');
  const socket = workerConfigFromEnv({ RAMPART_LEDGER_URL: 'postgresql://rampart@%2Fvar%2Frun%2Fpostgresql/rampart' });
  assert.equal(socket.ledger.kind === 'postgres' && socket.ledger.address, '/var/run/postgresql/.s.PGSQL.5432');
  const query = workerConfigFromEnv({ RAMPART_LEDGER_URL: 'postgres:///rampart?host=/tmp/pg&user=rampart' });
  assert.equal(query.ledger.kind === 'postgres' && query.ledger.address, '/tmp/pg/.s.PGSQL.5432');
  for (const config of [tcp, socket, query]) {
    config.activities.mail.close();
    await config.activities.sentLedger?.close?.();
  }
  const file = workerConfigFromEnv({ RAMPART_LEDGER_URL: '', RAMPART_STATE_DIR: '/tmp/rampart-state' });
  assert.deepEqual(file.ledger, { kind: 'file', stateDir: '/tmp/rampart-state' }, 'empty is unset: the file ledger');
  assert.equal(file.activities.sentLedger, undefined);
  file.activities.mail.close();

  assert.throws(() => workerConfigFromEnv({ RAMPART_LEDGER_URL: 'mysql://db/rampart' }), { name: 'WorkerConfigError', message: /^RAMPART_LEDGER_URL must start with postgres:\/\/ or postgresql:\/\// });
  assert.throws(() => workerConfigFromEnv({ RAMPART_LEDGER_URL: 'postgres:///rampart' }), { name: 'WorkerConfigError', message: /^RAMPART_LEDGER_URL must name the database host/ });
  assert.throws(() => workerConfigFromEnv({ RAMPART_LEDGER_URL: 'not a url' }), { name: 'WorkerConfigError', message: /^RAMPART_LEDGER_URL must be a URL such as postgres:\/\// });
});
