import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import { describeErrors, parseInput } from '../../domain/issues';
import { mailFailure, mailSentNothing } from './mailFailures';
import type { MailTransport } from './mailTransport';
import { sendOnce } from './sendOnce';
import type { SentLedger } from './sentLedger';

const messageIdSchema = z.string().regex(/^<[^<>@\s]+@[^<>@\s]+>$/, 'expected a Message-ID such as "<incident-7.opened@rampart>"');
const headerText = z.string().max(998).refine((s) => !/[\r\n]/.test(s), 'must be one line');

const sendEmailSchema = z.object({
  key: z.string().min(1).max(500),
  to: z.array(z.email('expected an email address')).min(1, 'at least one recipient').max(100),
  subject: headerText.pipe(z.string().min(1)),
  text: z.string().max(1_000_000),
  html: z.string().max(2_000_000).optional(),
  /** Chosen by the caller and deterministic (e.g. `<incidentId.step@rampart>`), so a resend is recognisably the same mail. */
  messageId: messageIdSchema,
  /** The Message-ID this mail answers: the thread's first mail. */
  inReplyTo: messageIdSchema.optional(),
  references: z.array(messageIdSchema).max(50).optional(),
});

export interface SendEmailInput {
  /** Idempotency key: one mail per key, ever. */
  key: string;
  to: string[];
  subject: string;
  text: string;
  html?: string;
  /** "<id@domain>", deterministic, chosen by the caller. */
  messageId: string;
  inReplyTo?: string;
  references?: string[];
}
export interface SendEmailResult {
  messageId: string;
  /** Recipients the server accepted. */
  accepted: string[];
  /** Recipients the server refused while accepting others. */
  rejected: string[];
}

function addressText(address: string | { address: string }): string {
  return typeof address === 'string' ? address : address.address;
}

export interface EmailDependencies {
  mail: MailTransport;
  ledger: SentLedger;
}

/** The mail activity, sending through the worker's transport and recording in its ledger. */
export function emailActivities({ mail: smtp, ledger }: EmailDependencies) {
  return {
    /**
     * Sends one mail exactly once per `key` through the worker's pooled SMTP transport, with the
     * caller's Message-ID and threading headers (In-Reply-To, References) so every mail about an
     * incident lands in one thread. SMTP has no way to ask whether a mail arrived: if an attempt dies
     * after the server took the mail but before the ledger says so, the retry sends it again with the
     * same Message-ID, which mail clients show as the same message.
     */
    async sendEmail(input: SendEmailInput): Promise<SendEmailResult> {
      const parsed = parseInput(sendEmailSchema, input);
      if (!parsed.ok) throw ApplicationFailure.nonRetryable(`invalid sendEmail input: ${describeErrors(parsed.errors)}`, 'InvalidInput');
      const mail = parsed.value;
      const transport = smtp.transport();
      try {
        const { result } = await sendOnce<SendEmailResult>({
          key: `email:${mail.key}`,
          ledger,
          send: async () => {
            const info = await transport.sendMail({
              from: smtp.from(),
              to: mail.to,
              subject: mail.subject,
              text: mail.text,
              ...(mail.html === undefined ? {} : { html: mail.html }),
              messageId: mail.messageId,
              ...(mail.inReplyTo ? { inReplyTo: mail.inReplyTo } : {}),
              ...(mail.references?.length ? { references: mail.references } : {}),
            });
            return {
              messageId: mail.messageId,
              accepted: (info.accepted ?? []).map(addressText),
              rejected: (info.rejected ?? []).map(addressText),
            };
          },
          sentNothing: mailSentNothing,
        });
        return result;
      } catch (err) {
        throw mailFailure(err, smtp);
      }
    },
  };
}
