/**
 * The frame of every portal page. Script and style come only from /assets/ (the Content-Security-
 * Policy allows no inline script or style), so an injected tag could not run even if escaping failed.
 */
import { html, type SafeHtml } from './html';

export interface PageOptions {
  title: string;
  /** Which script drives the page: live release updates, or the customer view. */
  script: 'live.js' | 'customer.js';
  body: SafeHtml;
}

export function pageLayout(options: PageOptions): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${options.title}</title>
<link rel="stylesheet" href="/assets/portal.css">
<link rel="icon" href="/assets/favicon.svg" type="image/svg+xml">
<link rel="alternate" type="application/atom+xml" title="Release updates" href="/feed.atom">
<script src="/assets/${options.script}" defer></script>
</head>
<body>
<header class="site">
  <div class="wrap">
    <a class="brand" href="/">Release status</a>
    <nav><a href="/customer">Customer sign-in</a> <a href="/feed.atom">Feed</a></nav>
  </div>
</header>
<div class="wrap">
${options.body}
</div>
<footer class="site"><div class="wrap">Times are shown in your time zone. This page updates by itself.</div></footer>
</body>
</html>
`.text;
}
