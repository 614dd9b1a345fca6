/**
 * The public history of a release, as discrete events: what the Atom feed lists. Derived from the
 * public projection alone, so a feed reader learns nothing a portal visitor could not.
 */
import type { PublicRelease } from '../../domain/publicStatus';

export interface ReleaseEvent {
  /** Stable for the life of the release: a feed reader uses it to tell new entries from old. */
  key: string;
  at: string;
  title: string;
  text: string;
  releaseId: string;
}

export function releaseTitle(release: Pick<PublicRelease, 'component' | 'version'>): string {
  return `${release.component} ${release.version}`;
}

const ENDINGS: Partial<Record<PublicRelease['state'], string>> = {
  completed: 'completed: every step finished',
  rolled_back: 'rolled back: every updated system is back on the previous version',
  stopped: 'stopped',
  cancelled: 'cancelled before any system was updated',
};

export function releaseEvents(release: PublicRelease): ReleaseEvent[] {
  const name = releaseTitle(release);
  const events: ReleaseEvent[] = [{
    key: `${release.id}/started`,
    at: release.startedAt,
    title: `${name}: update started`,
    text: `The update to ${name} started. It proceeds in ${release.steps.length} step${release.steps.length === 1 ? '' : 's'}: ${release.steps.map((s) => s.label).join(', ')}.`,
    releaseId: release.id,
  }];
  for (const step of release.steps) {
    if (step.state !== 'completed' || !step.endedAt) continue;
    events.push({
      key: `${release.id}/step/${step.label.toLowerCase().replace(/\s+/g, '-')}`,
      at: step.endedAt,
      title: `${name}: ${step.label} completed`,
      text: `${step.label} completed: ${step.done} of ${step.total} systems updated.`,
      releaseId: release.id,
    });
  }
  release.incidentUpdates.forEach((update, index) => {
    events.push({
      key: `${release.id}/incident/${index + 1}`,
      at: update.at,
      title: `${name}: incident ${update.stateLabel.toLowerCase()}`,
      text: `${update.message}${update.affectedCustomers > 0 ? ` Customers affected: ${update.affectedCustomers}.` : ''}${update.nextUpdateAt ? ` Next update by ${update.nextUpdateAt}.` : ''}`,
      releaseId: release.id,
    });
  });
  const ending = ENDINGS[release.state];
  if (ending && release.endedAt) {
    events.push({ key: `${release.id}/ended`, at: release.endedAt, title: `${name}: ${ending.split(':')[0]}`, text: `The update to ${name} ${ending}.`, releaseId: release.id });
  }
  return events;
}
