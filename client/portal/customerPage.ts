/**
 * GET /customer: the shell of a customer's own view. It holds no customer data: the page script
 * reads the token from the form or the URL fragment (#customer=ID&token=…, which browsers never
 * send to a server), keeps it in sessionStorage, and sends it as Authorization: Bearer on every
 * API call. Never a cookie, so another site cannot make a browser send it (no cross-site forgery).
 */
import { html } from './html';
import { pageLayout } from './pageLayout';

export function customerPage(): string {
  const body = html`<main id="content" data-live="customer">
<h1>Your updates</h1>
<form id="sign-in" class="card sign-in" autocomplete="off">
  <p>Sign in with the customer id and token your account team gave you.</p>
  <label>Customer id <input id="customer-id" name="customer" autocomplete="off" required pattern="[a-z0-9][a-z0-9\\-]{0,62}" autocapitalize="off" spellcheck="false"></label>
  <label>Token <input id="customer-token" name="token" type="password" autocomplete="off" required autocapitalize="off" spellcheck="false"></label>
  <button type="submit">Show my updates</button>
  <p class="form-error" id="sign-in-error" role="alert" hidden></p>
</form>
<section id="customer-view" hidden>
  <div class="customer-head"><h2 id="customer-name"></h2><button type="button" id="sign-out" class="link">Sign out</button></div>
  <div id="customer-releases"></div>
</section>
</main>`;
  return pageLayout({ title: 'Your updates', script: 'customer.js', body });
}
