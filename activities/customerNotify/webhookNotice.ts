import { ApplicationFailure } from '@temporalio/common';
import type { CustomerNotice } from '../../domain/customerNotice';
import type { RenderedNotice } from '../../domain/customerMessages';
import type { Customer } from '../../domain/customers';
import { httpRequest } from '../adapters/http';
import { signWebhook } from '../../contract/webhookSignature';
import { sendOnce } from '../notify/sendOnce';
import type { SentLedger } from '../notify/sentLedger';
import type { SecretLookup } from '../secrets';
import { webhookSecret } from './customerChannels';

const REQUEST_TIMEOUT_MS = 10_000;

/** The receiver answered, but not with 2xx. */
class WebhookAnswer extends Error {
  constructor(readonly status: number, readonly excerpt: string) {
    super(`HTTP ${status}`);
  }
}

/**
 * POSTs the notice's JSON body to the customer's webhook, once per key. Signed as the deploy
 * webhooks are (contract/webhookSignature.ts): X-Rampart-Signature is the HMAC-SHA256
 * of "<X-Rampart-Timestamp>.<body>" under the customer's secret, so a receiver can refuse both a
 * forged body and a replayed one. Idempotency-Key is the notice key: should an attempt die after
 * the receiver took the notice, the retry carries the same key and the receiver can drop it.
 *
 * A 4xx answer is final (WebhookRejected): the receiver refuses this notice and will again.
 * 408, 429, 5xx and network errors are WebhookUnavailable, worth retrying.
 */
export async function webhookNotice(
  deps: { ledger: SentLedger; secret: SecretLookup },
  notice: CustomerNotice,
  customer: Customer,
  rendered: RenderedNotice,
): Promise<void> {
  const url = customer.contacts.webhook!.url;
  const where = `customer ${customer.id}'s webhook ${publicPart(url)}`;
  const body = JSON.stringify(rendered.webhook);
  try {
    await sendOnce<{ status: number }>({
      key: `webhook:${notice.key}/webhook`,
      ledger: deps.ledger,
      send: async () => {
        const timestamp = String(Math.floor(Date.now() / 1000));
        const res = await httpRequest({
          url,
          method: 'POST',
          body,
          timeoutMs: REQUEST_TIMEOUT_MS,
          headers: {
            'content-type': 'application/json',
            'idempotency-key': notice.key,
            'x-rampart-timestamp': timestamp,
            'x-rampart-signature': signWebhook(webhookSecret(customer, deps.secret), timestamp, body),
          },
        });
        if (res.status < 200 || res.status >= 300) throw new WebhookAnswer(res.status, res.text.slice(0, 300).trim());
        return { status: res.status };
      },
      sentNothing: (err) => (err instanceof WebhookAnswer ? final(err.status) : connectionRefused(err)),
    });
  } catch (err) {
    if (err instanceof WebhookAnswer) {
      const message = `${where} answered HTTP ${err.status}${err.excerpt ? `: ${err.excerpt}` : ''}`;
      if (final(err.status)) throw ApplicationFailure.nonRetryable(message, 'WebhookRejected');
      throw ApplicationFailure.retryable(message, 'WebhookUnavailable');
    }
    const detail = String((err as Error).message).split(url).join(publicPart(url));
    throw ApplicationFailure.retryable(`${where} is unreachable: ${detail}`, 'WebhookUnavailable');
  }
}

/** 4xx means the receiver read the notice and refused it; 408 and 429 only ask to come back later. */
function final(status: number): boolean {
  return status >= 400 && status < 500 && status !== 408 && status !== 429;
}

/** Scheme, host and path: a token in the query string or the user part must not reach an error message. */
function publicPart(url: string): string {
  const parsed = new URL(url);
  return `${parsed.origin}${parsed.pathname}`;
}

function connectionRefused(err: unknown): boolean {
  for (let e = err as { code?: string; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (e.code === 'ECONNREFUSED') return true;
  }
  return false;
}
