import { z } from 'zod';
import type { Target } from '../../../domain/fleet';
import type { TargetSample } from '../../../domain/metrics';
import { featureNameSchema } from '../../../domain/release';
import { adapterError } from '../errors';
import { probeHealth, sampleMetrics } from '../healthEndpoints';
import { httpRequest, joinUrl } from '../http';
import type { SecretLookup } from '../../secrets';
import type { ChangeResult, DeployAdapter, FeatureChange, FeatureResult, HealthProbe, TargetChange } from '../types';
import { signWebhook } from '../../../contract/webhookSignature';

type WebhookTarget = Extract<Target, { adapter: 'webhook' }>;

/** What a receiver answers to an accepted command. */
const replySchema = z.object({
  version: z.string().min(1),
  previousVersion: z.string().nullable().default(null),
  replayed: z.boolean().default(false),
});

/** What a receiver answers to an accepted feature switch. */
const featureReplySchema = z.object({
  feature: z.string().min(1),
  enabled: z.boolean(),
  replayed: z.boolean().default(false),
});

export interface WebhookAdapterOptions {
  /** Where a target's signing secret comes from, by the name its fleet entry gives (`secretEnv`). */
  secret: SecretLookup;
  /** Deadline for one install, rollback or feature request; default 30 s. */
  requestTimeoutMs?: number;
}

/**
 * Sends signed install/rollback/feature commands to a target that deploys itself. Idempotency is the
 * receiver's half of the contract: the same Idempotency-Key must return the first result, so a
 * retried activity re-sends safely.
 *
 * 4xx answers are final (WebhookRejected): the receiver refused this command and will again.
 * 5xx, 408, 429 and network errors are WebhookUnavailable, worth retrying with the same key.
 */
export class WebhookAdapter implements DeployAdapter {
  private readonly requestTimeoutMs: number;
  private readonly secret: SecretLookup;

  constructor(options: WebhookAdapterOptions) {
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    this.secret = options.secret;
  }

  async install(change: TargetChange, signal?: AbortSignal): Promise<ChangeResult> {
    return this.send('install', change, signal);
  }

  async rollback(change: TargetChange, signal?: AbortSignal): Promise<ChangeResult> {
    return this.send('rollback', change, signal);
  }

  async probe(target: Target): Promise<HealthProbe> {
    return probeHealth(target.id, joinUrl(asWebhook(target).healthUrl, '/health'));
  }

  async sample(target: Target): Promise<TargetSample> {
    return sampleMetrics(target.id, joinUrl(asWebhook(target).healthUrl, '/metrics'));
  }

  /** POSTs {action:'feature', key, rolloutId, targetId, feature, enabled}; the receiver answers {feature, enabled, replayed}. */
  async setFeature(change: FeatureChange, signal?: AbortSignal): Promise<FeatureResult> {
    const target = asWebhook(change.target);
    const what = `feature ${change.feature}=${change.enabled ? 'on' : 'off'} on ${target.id}`;
    if (!featureNameSchema.safeParse(change.feature).success) {
      throw adapterError('ConfigurationError', `${what}: expected a feature name such as "new-checkout" (lower-case letters, digits and "-")`);
    }
    const command = { action: 'feature', key: change.key, rolloutId: change.rolloutId, targetId: target.id, feature: change.feature, enabled: change.enabled };
    const reply = await this.post(target, change.key, command, what, featureReplySchema, '{feature, enabled, replayed}', signal);
    return { targetId: target.id, feature: reply.feature, enabled: reply.enabled, replayed: reply.replayed };
  }

  private async send(action: 'install' | 'rollback', change: TargetChange, signal?: AbortSignal): Promise<ChangeResult> {
    const target = asWebhook(change.target);
    const command = {
      action,
      key: change.key,
      rolloutId: change.rolloutId,
      step: change.step,
      targetId: target.id,
      version: change.version,
      artifact: change.artifact ? { path: change.artifact.path, sha256: change.artifact.sha256 } : null,
    };
    const what = `${action} of ${change.version} on ${target.id}`;
    const reply = await this.post(target, change.key, command, what, replySchema, '{version, previousVersion, replayed}', signal);
    return { targetId: target.id, version: reply.version, previousVersion: reply.previousVersion, replayed: reply.replayed };
  }

  /** One signed command; maps the answer to a parsed reply or to WebhookRejected/WebhookUnavailable. */
  private async post<T>(target: WebhookTarget, key: string, command: object, what: string, schema: z.ZodType<T>, shape: string, signal?: AbortSignal): Promise<T> {
    const secret = this.secret(target.secretEnv);
    if (!secret) {
      throw adapterError('ConfigurationError', `webhook target ${target.id}: environment variable ${target.secretEnv} (its signing secret) is not set`);
    }
    const body = JSON.stringify(command);
    const timestamp = String(Math.floor(Date.now() / 1000));
    let res;
    try {
      res = await httpRequest({
        url: target.url,
        method: 'POST',
        body,
        timeoutMs: this.requestTimeoutMs,
        signal,
        headers: {
          'content-type': 'application/json',
          'idempotency-key': key,
          'x-rampart-timestamp': timestamp,
          'x-rampart-signature': signWebhook(secret, timestamp, body),
        },
      });
    } catch (err) {
      if (signal?.aborted) throw err;
      throw adapterError('WebhookUnavailable', `${what}: ${(err as Error).message}`, err);
    }

    const detail = `${what}: ${target.url} answered HTTP ${res.status}`;
    const excerpt = res.text.slice(0, 300).trim();
    if (res.status >= 200 && res.status < 300) {
      const reply = safeJson(res.text, schema);
      // The command may have been applied; re-sending with the same key is safe, so this can retry.
      if (!reply) throw adapterError('WebhookUnavailable', `${detail} with a body that is not ${shape}: ${excerpt}`);
      return reply;
    }
    if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) {
      throw adapterError('WebhookRejected', `${detail}: ${excerpt}`);
    }
    throw adapterError('WebhookUnavailable', `${detail}: ${excerpt}`);
  }
}

function safeJson<T>(text: string, schema: z.ZodType<T>): T | undefined {
  try {
    const parsed = schema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

function asWebhook(target: Target): WebhookTarget {
  if (target.adapter !== 'webhook') throw adapterError('ConfigurationError', `target ${target.id} is a ${target.adapter} target, not a webhook one`);
  return target;
}
