import { targetFolder } from '../../../domain/fleet';
import type { JournalRecord } from '../../../activities/adapters/local/installJournal';
import { readBootLog, type BootRecord } from '../../../local/fleet/bootLog';
import { readInstallJournals, type FleetUpResult } from '../../../local/fleet/localFleet';
import type { NoticeDelivery } from '../../../local/standins/noticeReceiver';
import type { StoredMessage } from '../../../local/standins/slackServer';
import type { ReceivedMail } from '../../../local/standins/smtpServer';
import type { CampaignStack } from './campaignStack';
import { readInterruptedSends, type InterruptedSend } from './interruptedSends';

/** One target as the campaign found it afterwards: its install journal, its own boot log, what it serves. */
export interface TargetEvidence {
  fleet: 'good' | 'bad';
  targetId: string;
  journal: JournalRecord[];
  boots: BootRecord[];
  /** What /health says now; null when it does not answer. */
  serving: string | null;
}

/** Everything the checks judge by, read from the targets and the stand-ins, never from Rampart's own word. */
export interface Evidence {
  targets: TargetEvidence[];
  slack: StoredMessage[];
  mails: ReceivedMail[];
  webhooks: NoticeDelivery[];
  /** Sends the shared ledger shows as begun and never finished (a worker died mid-send). */
  interruptedSends: InterruptedSend[];
  /** When workers were SIGKILLed, ms since the epoch. */
  killedAt: number[];
  /** Workers that exited without being killed. */
  unexpectedWorkerExits: string[];
}

export async function gatherEvidence(stack: CampaignStack, killedAt: number[]): Promise<Evidence> {
  const targets = (await Promise.all([fleetEvidence('good', stack.goodFleet), fleetEvidence('bad', stack.badFleet)])).flat();
  return {
    targets,
    slack: stack.slack.messages(),
    mails: stack.smtp.messages(),
    webhooks: stack.notices.deliveries(),
    interruptedSends: await readInterruptedSends(stack.pg.url),
    killedAt,
    unexpectedWorkerExits: [...stack.pool.unexpectedExits],
  };
}

async function fleetEvidence(fleet: 'good' | 'bad', up: FleetUpResult): Promise<TargetEvidence[]> {
  const journals = await readInstallJournals({ stateDir: up.stateDir });
  return Promise.all(up.fleet.targets.map(async (target) => {
    if (target.adapter !== 'local') throw new Error(`campaign fleets are local, ${target.id} is ${target.adapter}`);
    return {
      fleet,
      targetId: target.id,
      journal: journals.find((j) => j.targetId === target.id)?.records ?? [],
      boots: await readBootLog(targetFolder(target)),
      serving: await servingVersion(target.url),
    };
  }));
}

async function servingVersion(url: string): Promise<string | null> {
  try {
    const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(3_000) });
    return res.ok ? ((await res.json()) as { version: string }).version : null;
  } catch {
    return null;
  }
}
