import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startSmtpServer, type SmtpStandin } from '../../local/standins/smtpServer';

/**
 * What a test file that sends customer notices sets up first: a fresh RAMPART_STATE_DIR (weekly
 * caps count per customer in the state dir, so the file's customers start with a clean week) and
 * an SMTP stand-in that the mail goes to (SMTP_URL, MAIL_FROM). Close the stand-in when done.
 */
export async function startCustomerMail(name: string): Promise<SmtpStandin> {
  process.env.RAMPART_STATE_DIR = mkdtempSync(path.join(os.tmpdir(), `rampart-${name}-`));
  const smtp = await startSmtpServer({});
  Object.assign(process.env, { SMTP_URL: smtp.url, MAIL_FROM: 'updates@rampart.example' });
  return smtp;
}
