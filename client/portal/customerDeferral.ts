/**
 * POST /api/customers/:customerId/defer {rolloutId, until, reason?}: a customer puts their update
 * off from the portal. The body is checked here; whether the deferral is allowed (their allowance,
 * whether their update has begun) is the workflow's own 'defer' Update validator's call, so the
 * portal and the CLI can never disagree. Rejected by the validator: 409 with its message, and
 * nothing entered the workflow's history.
 */
import type { Client } from '@temporalio/client';
import { z } from 'zod';
import { deferArgsSchema, type DeferArgs } from '../../domain/deferral';
import { toInputErrors } from '../../domain/issues';
import { rolloutInputSchema } from '../../domain/rolloutInput';
import { NotFoundError, RejectedError } from '../errors';
import { RolloutClient } from '../rolloutClient';

export const portalDeferBodySchema = z.strictObject({
  rolloutId: rolloutInputSchema.shape.rolloutId,
  until: deferArgsSchema.shape.until,
  reason: deferArgsSchema.shape.reason,
});

export interface DeferAnswer {
  status: number;
  body: Record<string, unknown>;
}

export async function deferForCustomer(
  client: Client,
  options: { taskQueue?: string; customerId: string; body: unknown; customerInRollout: (rolloutId: string) => boolean | undefined },
): Promise<DeferAnswer> {
  const parsed = portalDeferBodySchema.safeParse(options.body);
  if (!parsed.success) {
    const issues = toInputErrors(parsed.error).map((e) => ({ path: e.path || '(root)', message: e.message }));
    return { status: 400, body: { error: `invalid request: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, issues } };
  }
  const { rolloutId, until, reason } = parsed.data;
  const args: DeferArgs = { customerId: options.customerId, until, by: `customer:${options.customerId}`, ...(reason !== undefined ? { reason } : {}) };
  // The same schema the workflow's validator parses with: a mismatch is our bug, caught here as a 400.
  const checked = deferArgsSchema.safeParse(args);
  if (!checked.success) return { status: 400, body: { error: `invalid request: ${toInputErrors(checked.error).map((e) => `${e.path}: ${e.message}`).join('; ')}` } };

  const rollouts = new RolloutClient(client, options.taskQueue ?? '');
  const unknown = { status: 404, body: { error: `no release with id "${rolloutId}"` } };
  const ended = { status: 409, body: { error: `release "${rolloutId}" has ended; there is nothing left to defer` } };
  try {
    const description = await rollouts.describe(rolloutId);
    if (options.taskQueue && description.taskQueue !== options.taskQueue) return unknown;
    if (options.customerInRollout(rolloutId) === false) return { status: 404, body: { error: `release "${rolloutId}" does not update customer ${options.customerId}` } };
    if (!description.running) return ended;
  } catch (err) {
    if (err instanceof NotFoundError) return unknown;
    throw err;
  }
  try {
    const answer = await rollouts.defer(rolloutId, checked.data);
    return { status: 200, body: { rolloutId, customerId: options.customerId, accepted: true, answer } };
  } catch (err) {
    if (err instanceof RejectedError) return { status: 409, body: { error: err.reason } };
    if (err instanceof NotFoundError) return ended;
    throw err;
  }
}
