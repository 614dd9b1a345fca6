// A customer's own view. The token comes from the sign-in form or the URL fragment
// (#customer=ID&token=…, never sent to any server), lives in sessionStorage only (gone when the
// tab closes), and travels as Authorization: Bearer on API calls: never as a cookie, so no other
// site can make the browser send it. Everything shown is set as text, never as HTML.
'use strict';
(function () {
  var KEY = 'rampart-portal-customer';
  var FORMAT = new Intl.DateTimeFormat(undefined, { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' });
  var $ = function (id) { return document.getElementById(id); };
  var form = $('sign-in');
  var formError = $('sign-in-error');
  var view = $('customer-view');
  var list = $('customer-releases');
  var cards = {};
  var stream = null;

  function when(iso) {
    var date = new Date(iso);
    return isNaN(date.getTime()) ? iso : FORMAT.format(date);
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      if (name === 'text') node.textContent = attrs[name];
      else if (name === 'className') node.className = attrs[name];
      else node.setAttribute(name, attrs[name]);
    });
    (children || []).forEach(function (child) { if (child) node.appendChild(child); });
    return node;
  }

  function credentials() {
    try {
      return JSON.parse(sessionStorage.getItem(KEY) || 'null');
    } catch (e) {
      return null;
    }
  }

  function fromFragment() {
    var params = new URLSearchParams(location.hash.replace(/^#/, ''));
    var token = params.get('token');
    if (!token) return false;
    var id = params.get('customer') || $('customer-id').value;
    // The token leaves the address bar (and the history) at once.
    history.replaceState(null, '', location.pathname + location.search);
    if (!id) {
      $('customer-token').value = token;
      return false;
    }
    sessionStorage.setItem(KEY, JSON.stringify({ id: id, token: token }));
    return true;
  }

  function api(path, init) {
    var creds = credentials();
    init = init || {};
    init.headers = Object.assign({ authorization: 'Bearer ' + creds.token }, init.headers || {});
    init.cache = 'no-store';
    init.credentials = 'omit';
    return fetch('/api/customers/' + encodeURIComponent(creds.id) + path, init).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (body) { return { status: res.status, body: body }; });
    });
  }

  function signedOut(message) {
    sessionStorage.removeItem(KEY);
    view.hidden = true;
    form.hidden = false;
    formError.hidden = !message;
    formError.textContent = message || '';
    list.textContent = '';
    cards = {};
  }

  function facts(rows) {
    var dl = el('dl', { className: 'facts' });
    rows.forEach(function (row) {
      if (!row) return;
      dl.appendChild(el('dt', { text: row[0] }));
      dl.appendChild(el('dd', {}, [typeof row[1] === 'string' ? document.createTextNode(row[1]) : row[1]]));
    });
    return dl;
  }

  function summary(r) {
    var nodes = [];
    if (r.incident) {
      nodes.push(el('section', { className: 'incident-banner incident-' + r.incident.state, role: 'alert' }, [
        el('h2', { text: 'Incident: ' + r.incident.stateLabel }),
        el('p', { className: 'incident-message', text: r.incident.message }),
        r.incident.nextUpdateAt ? el('p', { className: 'incident-meta', text: 'Next update by ' + when(r.incident.nextUpdateAt) }) : null,
      ]));
    }
    nodes.push(el('div', { className: 'release-head' }, [
      el('h3', { text: r.release.component + ' ' + r.release.version }),
      el('span', { className: 'badge state-' + r.release.state, text: r.release.stateLabel }),
    ]));
    var targets = el('ul', { className: 'targets' });
    r.targets.forEach(function (t) { targets.appendChild(el('li', { className: 'target', text: t.id + ': ' + t.stateLabel })); });
    var notices = el('ul', { className: 'notices' });
    r.notices.forEach(function (n) { notices.appendChild(el('li', { text: n.kind + ' · ' + when(n.at) + ' · ' + n.outcome })); });
    nodes.push(facts([
      ['Your update', el('span', { className: 'customer-state', text: r.stateLabel })],
      r.step ? ['Step', r.step] : null,
      r.window ? ['Maintenance window', r.window.label] : null,
      r.deferral ? ['Deferred until', el('span', { className: 'deferral', text: when(r.deferral.until) + (r.deferral.requestedBy === 'you' ? ' (by you)' : ' (by support)') + (r.deferral.reason ? ': ' + r.deferral.reason : '') })] : null,
      r.canDefer ? ['You may defer until', when(r.deferrableUntil)] : null,
      ['Your systems', targets],
      r.notices.length > 0 ? ['Notices', notices] : null,
    ]));
    return nodes;
  }

  function pad(n) { return String(n).padStart(2, '0'); }
  function localInput(date) {
    return date.getFullYear() + '-' + pad(date.getMonth() + 1) + '-' + pad(date.getDate()) + 'T' + pad(date.getHours()) + ':' + pad(date.getMinutes());
  }

  function deferForm(r) {
    var latest = new Date(r.deferrableUntil);
    var suggested = new Date(Math.min(Date.now() + 86400000, latest.getTime() - 60000));
    var until = el('input', { type: 'datetime-local', name: 'until', required: 'required', value: localInput(suggested), max: localInput(latest) });
    var reason = el('textarea', { name: 'reason', rows: '2', maxlength: '500', placeholder: 'Optional: why (e.g. our quarter-end freeze)' });
    var button = el('button', { type: 'submit', className: 'defer-button', text: 'Defer my update' });
    var message = el('p', { className: 'defer-message', role: 'status' });
    var f = el('form', { className: 'defer' }, [
      el('label', {}, [document.createTextNode('Defer until'), until]),
      el('label', {}, [document.createTextNode('Reason'), reason]),
      button,
      message,
    ]);
    f.addEventListener('submit', function (event) {
      event.preventDefault();
      var at = new Date(until.value);
      if (isNaN(at.getTime())) {
        message.className = 'form-error';
        message.textContent = 'Choose a date and time.';
        return;
      }
      button.disabled = true;
      message.className = 'defer-message';
      message.textContent = 'Sending…';
      var body = { rolloutId: r.release.id, until: at.toISOString() };
      if (reason.value.trim()) body.reason = reason.value.trim();
      api('/defer', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
        .then(function (answer) {
          message.className = answer.status === 200 ? 'form-ok' : 'form-error';
          message.textContent = answer.status === 200 ? String(answer.body.answer || 'Deferred.') : (answer.body.error || 'The deferral was not accepted.');
          if (answer.status === 401 || answer.status === 403) signedOut(answer.body.error);
          else load();
        })
        .catch(function () {
          message.className = 'form-error';
          message.textContent = 'The portal could not be reached; try again.';
        })
        .then(function () { button.disabled = false; });
    });
    return f;
  }

  function render(data) {
    $('customer-name').textContent = data.customer.name;
    if (data.releases.length === 0) {
      list.textContent = '';
      cards = {};
      list.appendChild(el('p', { className: 'empty', text: 'No release concerns your systems right now.' }));
      return;
    }
    var empty = list.querySelector('p.empty');
    if (empty) empty.remove();
    var keep = {};
    data.releases.forEach(function (r) {
      var card = cards[r.release.id];
      if (!card) {
        card = { root: el('section', { className: 'card customer-release', 'data-release': r.release.id }), summary: el('div'), form: null };
        card.root.appendChild(card.summary);
        list.appendChild(card.root);
        cards[r.release.id] = card;
      }
      card.summary.replaceChildren.apply(card.summary, summary(r));
      // The form is kept across refreshes, so a half-typed reason is never wiped by a live update.
      if (r.canDefer && !card.form) {
        card.form = deferForm(r);
        card.root.appendChild(card.form);
      } else if (!r.canDefer && card.form && !card.form.contains(document.activeElement)) {
        card.form.remove();
        card.form = null;
      }
      keep[r.release.id] = true;
    });
    Object.keys(cards).forEach(function (id) {
      if (!keep[id]) {
        cards[id].root.remove();
        delete cards[id];
      }
    });
  }

  var loading = false;
  var again = false;
  function load() {
    if (!credentials()) return signedOut();
    if (loading) {
      again = true;
      return;
    }
    loading = true;
    api('', {})
      .then(function (answer) {
        if (answer.status !== 200) return signedOut(answer.body.error || 'Sign-in failed.');
        form.hidden = true;
        view.hidden = false;
        render(answer.body);
        listen();
      })
      .catch(function () { formError.hidden = false; formError.textContent = 'The portal could not be reached; try again.'; })
      .then(function () {
        loading = false;
        if (again) {
          again = false;
          load();
        }
      });
  }

  var timer = null;
  function soon() {
    clearTimeout(timer);
    timer = setTimeout(load, 150);
  }

  function listen() {
    if (stream || typeof EventSource === 'undefined') return;
    // Any change may concern this customer (a new release too): fetch their view, at most a few times a second.
    stream = new EventSource('/api/stream');
    stream.addEventListener('release', soon);
    stream.addEventListener('customers', soon);
  }

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    sessionStorage.setItem(KEY, JSON.stringify({ id: $('customer-id').value.trim(), token: $('customer-token').value.trim() }));
    $('customer-token').value = '';
    load();
  });
  $('sign-out').addEventListener('click', function () { signedOut(); });

  // A link with another customer's fragment, opened in this tab, switches to that customer.
  window.addEventListener('hashchange', function () {
    if (!fromFragment()) return;
    list.textContent = '';
    cards = {};
    load();
  });
  fromFragment();
  if (credentials()) load();
})();
