import type { CustomerNotice } from '../../domain/customerNotice';
import type { RenderedNotice } from '../../domain/customerMessages';
import type { Customer } from '../../domain/customers';
import type { NotifyActivities } from '../notify';

/**
 * A notice's Message-ID, derived from its key alone: a mail sent again for the same key (an
 * attempt that died after the server took it) is recognisably the same message and threads with
 * it. The key is written in RFC 5322 atext with any other character (and "=" and ".") as "=XX",
 * so distinct keys keep distinct ids.
 */
export function noticeMessageId(key: string): string {
  const id = Array.from(Buffer.from(key, 'utf8'))
    .map((byte) => {
      const char = String.fromCharCode(byte);
      return /[A-Za-z0-9!#$%&'*+/?^_`{|}~-]/.test(char) ? char : `=${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    })
    .join('');
  return `<${id}@rampart.notice>`;
}

/** The notice by mail to every address the customer gave, once per key (sendEmail's ledger). */
export async function emailNotice(sendEmail: NotifyActivities['sendEmail'], notice: CustomerNotice, customer: Customer, rendered: RenderedNotice): Promise<void> {
  await sendEmail({
    key: `${notice.key}/email`,
    to: customer.contacts.emails,
    subject: rendered.subject,
    text: rendered.text,
    html: rendered.html,
    messageId: noticeMessageId(notice.key),
  });
}
