import { createDeployAdapters } from './adapters';
import { customerNoticeActivities } from './customerNotify';
import { noticeDecisionLogIn } from './customerNotify/noticeDecisionLog';
import { readCustomerRoster } from './customerDirectory';
import { scheduleCustomerUpdate, scheduleCustomerUpdates } from './customerSchedule';
import type { ActivityDependencies } from './dependencies';
import { featureActivities } from './featureToggle';
import { fleetLeaseActivities } from './fleetLeases';
import { incidentReportActivities } from './incidentReport';
import { notifyActivities } from './notify';
import { fileLedgerIn } from './notify/sentLedger';
import { slackClientSource } from './notify/slackClient';
import { measureWithPrometheus } from './prometheus/prometheusProvider';
import { rolloutChangeActivities } from './rolloutChanges';
import { targetActivities } from './targetActions';
import { verifyArtifact } from './verifyArtifact';

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
    verifyArtifact,
    ...targetActivities(adapters),
    ...rolloutChangeActivities(adapters),
    ...incidentReportActivities(deps.stateDir),
    measureWithPrometheus,
    ...notify,
    ...featureActivities(adapters),
    scheduleCustomerUpdate,
    scheduleCustomerUpdates,
    readCustomerRoster,
    ...fleetLeaseActivities,
    ...customerNoticeActivities({ notify, slack, mail: deps.mail, secret: deps.secret, ledger, decisions: deps.noticeDecisions ?? noticeDecisionLogIn(deps.stateDir) }),
  };
}

/** The activities as workflows see them: `import type` this, never the module's values. */
export type RampartActivities = ReturnType<typeof createActivities>;
