/**
 * The public pages: the list of releases (GET /) and one release (GET /releases/:id). Both render
 * only the public projection; the page script swaps in a fresh copy of <main> whenever the stream
 * says a release changed, so the server stays the one place that renders.
 */
import type { PublicIncident, PublicRelease, PublicStep } from '../../domain/publicStatus';
import { html, type SafeHtml } from './html';
import { pageLayout } from './pageLayout';
import { releaseTitle } from './releaseEvents';
import { timeTag } from './timeText';

function stateBadge(state: string, label: string): SafeHtml {
  return html`<span class="badge state-${state}">${label}</span>`;
}

function progress(done: number, total: number, label: string): SafeHtml {
  // <progress> needs no inline style for its width (the CSP forbids inline styles).
  return html`<progress class="bar" max="${Math.max(total, 1)}" value="${done}" aria-label="${label}">${done} of ${total}</progress>`;
}

function systems(n: number): string {
  return `${n} system${n === 1 ? '' : 's'}`;
}

export function incidentBanner(incident: PublicIncident | null, about?: { id: string; title: string }): SafeHtml {
  if (!incident) return html``;
  return html`<section class="incident-banner incident-${incident.state}" role="alert">
  <h2>Incident: ${incident.stateLabel}${about ? html` · <a href="/releases/${encodeURIComponent(about.id)}">${about.title}</a>` : ''}</h2>
  <p class="incident-message">${incident.message}</p>
  <p class="incident-meta">Posted ${timeTag(incident.at)}${incident.affectedCustomers > 0 ? html` · ${incident.affectedCustomers} customer${incident.affectedCustomers === 1 ? '' : 's'} affected` : ''}${incident.nextUpdateAt ? html` · Next update by ${timeTag(incident.nextUpdateAt)}` : ''}</p>
</section>`;
}

function stepItem(step: PublicStep): SafeHtml {
  return html`<li class="step state-${step.state}" data-step="${step.label}">
  <div class="step-head"><span class="step-label">${step.label}</span><span class="step-state">${step.stateLabel}</span></div>
  ${progress(step.done, step.total, `${step.label}: ${step.done} of ${step.total} updated`)}
  <div class="step-foot"><span class="step-count">${step.done} of ${systems(step.total)} updated</span>${step.window ? html`<span class="step-window">Window ${timeTag(step.window.from)} – ${timeTag(step.window.until)}</span>` : ''}</div>
</li>`;
}

function releaseTimes(release: PublicRelease): SafeHtml {
  return html`Started ${timeTag(release.startedAt)}${release.endedAt ? html` · Ended ${timeTag(release.endedAt)}` : ''}`;
}

export function releasePage(release: PublicRelease): string {
  const history = [...release.incidentUpdates].reverse();
  const body = html`<main id="content" data-live="release" data-release="${release.id}">
<p class="back"><a href="/">← All releases</a></p>
${incidentBanner(release.incident)}
<section class="card release">
  <div class="release-head"><h1>${releaseTitle(release)}</h1>${stateBadge(release.state, release.stateLabel)}</div>
  <p class="meta">${releaseTimes(release)}</p>
  <div class="overall">
    ${progress(release.done, release.total, `${release.done} of ${release.total} updated`)}
    <p class="overall-count">${release.done} of ${systems(release.total)} updated</p>
  </div>
  ${release.maintenance ? html`<p class="maintenance">Scheduled maintenance between ${timeTag(release.maintenance.from)} and ${timeTag(release.maintenance.until)}</p>` : ''}
</section>
<section class="card">
  <h2>Progress</h2>
  <ol class="steps">${release.steps.map(stepItem)}</ol>
</section>
${history.length > 0 ? html`<section class="card">
  <h2>Incident updates</h2>
  <ol class="updates">${history.map((u) => html`<li><span class="badge state-incident-${u.state}">${u.stateLabel}</span> ${timeTag(u.at)}<p>${u.message}</p></li>`)}</ol>
</section>` : ''}
</main>`;
  return pageLayout({ title: `${releaseTitle(release)}: ${release.stateLabel}`, script: 'live.js', body });
}

function releaseRow(release: PublicRelease): SafeHtml {
  return html`<li class="card release-row" data-release="${release.id}">
  <div class="release-head"><a class="release-link" href="/releases/${encodeURIComponent(release.id)}">${releaseTitle(release)}</a>${stateBadge(release.state, release.stateLabel)}</div>
  ${release.incident ? html`<p class="row-incident">Incident: ${release.incident.stateLabel}. ${release.incident.message}</p>` : ''}
  ${progress(release.done, release.total, `${release.done} of ${release.total} updated`)}
  <p class="meta">${release.done} of ${systems(release.total)} updated · ${releaseTimes(release)}</p>
</li>`;
}

export function releaseListPage(releases: readonly PublicRelease[]): string {
  const active = releases.filter((r) => r.active);
  const recent = releases.filter((r) => !r.active);
  const banner = active.find((r) => r.incident);
  const body = html`<main id="content" data-live="list">
${banner ? incidentBanner(banner.incident, { id: banner.id, title: releaseTitle(banner) }) : ''}
<h1>Releases</h1>
<section>
  <h2>In progress</h2>
  ${active.length > 0 ? html`<ul class="releases">${active.map(releaseRow)}</ul>` : html`<p class="empty">No release is in progress.</p>`}
</section>
<section>
  <h2>Recent</h2>
  ${recent.length > 0 ? html`<ul class="releases">${recent.map(releaseRow)}</ul>` : html`<p class="empty">No recent releases.</p>`}
</section>
</main>`;
  return pageLayout({ title: 'Release status', script: 'live.js', body });
}

export function notFoundPage(message: string): string {
  return pageLayout({ title: 'Not found', script: 'live.js', body: html`<main id="content"><h1>Not found</h1><p>${message}</p><p><a href="/">All releases</a></p></main>` });
}
