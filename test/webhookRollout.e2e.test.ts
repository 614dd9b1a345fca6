import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { nodeArgsForTs } from '../local/process/tsxCommand';
import { ProcessGroup } from '../local/process/processes';
import { RolloutHarness, fastPlaybook } from './helpers/rolloutHarness';

const SECRET_ENV = 'RAMPART_TEST_WEBHOOK_SECRET';

describe('a fleet of webhook targets: other systems plug in without workflow changes', () => {
  const h = new RolloutHarness();
  const processes = new ProcessGroup();
  const receivers: { id: string; base: string; log: string }[] = [];

  before(async () => {
    process.env[SECRET_ENV] = randomBytes(24).toString('hex');
    await h.start({ size: 0 });
    for (const id of ['w-1', 'w-2', 'w-3']) {
      const log = path.join(h.dir, `${id}.jsonl`);
      const proc = processes.spawn(process.execPath, nodeArgsForTs(path.resolve(__dirname, '../local/standins/webhookReceiver.ts'), [
        '--port', '0', '--log', log, '--secret-env', SECRET_ENV, '--version', '1.0.0', '--id', id,
      ]), { name: id });
      const [, port] = await proc.waitForOutput(/"port":\s*(\d+)/, 20_000);
      receivers.push({ id, base: `http://127.0.0.1:${port}`, log });
    }
  });
  after(async () => {
    await processes.stopAll();
    await h.stop();
  });

  test('a rollout over signed webhooks completes, applying each change exactly once', async () => {
    const fleet = {
      name: 'partners',
      version: '1.0.0',
      targets: receivers.map((r) => ({ id: r.id, adapter: 'webhook', url: `${r.base}/deploy`, healthUrl: r.base, secretEnv: SECRET_ENV, labels: {} })),
    };
    const artifact = await h.artifact('6.0.0');
    // The receivers serve less synthetic traffic than local targets: a smaller sample suffices here.
    const playbook = fastPlaybook({ health: { errorRate: { max: 0.1 }, minSamples: 3, analysisInterval: '1s', consecutiveBreaches: 2 } });
    await h.startRollout(h.input('webhook-1', playbook, artifact, '6.0.0', fleet));
    const status = await h.waitFor('webhook-1', (s) => ['completed', 'rolled_back', 'failed'].includes(s.state));
    assert.equal(status.state, 'completed', status.outcome?.reason);
    for (const r of receivers) {
      const health = (await (await fetch(`${r.base}/health`)).json()) as { version: string };
      assert.equal(health.version, '6.0.0', r.id);
      const applied = readFileSync(r.log, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      assert.deepEqual(applied.map((c) => `${c.action} ${c.version}`), ['install 6.0.0'], r.id);
    }
  });
});
