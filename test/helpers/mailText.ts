import type { ReceivedMail } from '../../local/standins/smtpServer';

/** The text/plain part of a received mail, decoded (nodemailer writes quoted-printable or base64); '' when there is none. */
export function mailText(mail: ReceivedMail): string {
  const start = mail.raw.search(/^Content-Type: text\/plain/im);
  if (start < 0) return '';
  const headersEnd = mail.raw.slice(start).search(/\r?\n\r?\n/) + start;
  const headers = mail.raw.slice(start, headersEnd);
  const rest = mail.raw.slice(headersEnd).replace(/^\r?\n\r?\n/, '');
  const boundary = rest.search(/\r?\n--/);
  const body = boundary === -1 ? rest : rest.slice(0, boundary);
  const encoding = /Content-Transfer-Encoding: ([\w-]+)/i.exec(headers)?.[1]?.toLowerCase() ?? '7bit';
  if (encoding === 'base64') return Buffer.from(body, 'base64').toString('utf8');
  if (encoding !== 'quoted-printable') return body;
  const bytes = body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  return Buffer.from(bytes, 'latin1').toString('utf8').replace(/\r\n/g, '\n');
}

/** Whether a mail went to this address (envelope recipients). */
export const mailedTo = (mail: ReceivedMail, address: string): boolean => mail.envelope.to.includes(address);
