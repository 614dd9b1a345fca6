import { createDeployAdapters } from './adapters';
import { changeControlActivities } from './changeControl';
import { customerNoticeActivities } from './customerNotify';
import { noticeDecisionLogIn } from './customerNotify/noticeDecisionLog';
import { readCustomerRoster, type RosterArgs } from './customerDirectory';
import { scheduleCustomerUpdate, scheduleCustomerUpdates, type ScheduleCustomerUpdatesArgs } from './customerSchedule';
import type { ActivityDependencies } from './dependencies';
import { featureActivities } from './featureToggle';
import { fleetLeaseActivities } from './fleetLeases';
import { incidentReportActivities } from './incidentReport';
import { notifyActivities } from './notify';
import { fileLedgerIn } from './notify/sentLedger';
import { slackClientSource } from './notify/slackClient';
import { measureWithPrometheus } from './prometheus/prometheusProvider';
import { releaseReportActivities } from './releaseReport';
import { rolloutChangeActivities } from './rolloutChanges';
import { targetActivities } from './targetActions';
import { trainChannelActivities } from './trainChannel';
import { verifyArtifactIn } from './verifyArtifact';

export type { ActivityDependencies } from './dependencies';

/**
 * Every Rampart activity, built on the given dependencies: the object a worker registers. The keys
 * are the activity type names recorded in workflow histories; renaming one breaks replay.
 */
export function createActivities(deps: ActivityDependencies) {
  const adapters = createDeployAdapters({ secret: deps.secret });
  const ledger = deps.sentLedger ?? fileLedgerIn(deps.stateDir);
  const slack = slackClientSource(deps.slack);
  const notify = notifyActivities({ slack, mail: deps.mail, ledger });
  return {
    verifyArtifact: verifyArtifactIn(deps.artifactStore),
    ...targetActivities(adapters, deps.artifactStore),
    ...rolloutChangeActivities(adapters),
    ...incidentReportActivities(deps.stateDir),
    ...releaseReportActivities(deps.stateDir),
    measureWithPrometheus,
    ...notify,
    ...featureActivities(adapters),
    scheduleCustomerUpdate,
    scheduleCustomerUpdates: (args: ScheduleCustomerUpdatesArgs) => scheduleCustomerUpdates(args, deps.artifactStore),
    readCustomerRoster: (args: RosterArgs) => readCustomerRoster(args, deps.artifactStore),
    ...fleetLeaseActivities,
    ...changeControlActivities,
    ...trainChannelActivities(deps.artifactStore),
    ...customerNoticeActivities({ notify, slack, mail: deps.mail, secret: deps.secret, artifactStore: deps.artifactStore, ledger, decisions: deps.noticeDecisions ?? noticeDecisionLogIn(deps.stateDir) }),
  };
}

/** The activities as workflows see them: `import type` this, never the module's values. */
export type RampartActivities = ReturnType<typeof createActivities>;
