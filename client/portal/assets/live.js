// Live release pages: times in the reader's own zone, and a fresh copy of the page's <main>
// whenever the portal's event stream says a release on it changed. No reload, no framework:
// the server renders, this script only swaps the new rendering in.
'use strict';
(function () {
  var FORMAT = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' });

  function localTimes(root) {
    root.querySelectorAll('time[datetime]').forEach(function (el) {
      var date = new Date(el.getAttribute('datetime'));
      if (!isNaN(date.getTime())) {
        el.textContent = FORMAT.format(date);
        el.title = date.toISOString();
      }
    });
  }

  localTimes(document);
  var main = document.getElementById('content');
  var mode = main && main.dataset.live;
  if ((mode !== 'release' && mode !== 'list') || typeof EventSource === 'undefined') return;
  var releaseId = main.dataset.release;

  var timer = null;
  var running = false;
  var again = false;

  function refresh() {
    if (running) {
      again = true;
      return;
    }
    running = true;
    fetch(location.pathname, { headers: { accept: 'text/html' }, cache: 'no-store', credentials: 'omit' })
      .then(function (res) { return res.ok ? res.text() : null; })
      .then(function (text) {
        if (text === null) return;
        var doc = new DOMParser().parseFromString(text, 'text/html');
        var fresh = doc.getElementById('content');
        var current = document.getElementById('content');
        if (!fresh || !current) return;
        localTimes(fresh);
        current.replaceWith(document.adoptNode(fresh));
        document.title = doc.title;
      })
      .catch(function () { /* the next event tries again */ })
      .then(function () {
        running = false;
        if (again) {
          again = false;
          refresh();
        }
      });
  }

  function soon() {
    clearTimeout(timer);
    timer = setTimeout(refresh, 150);
  }

  var connectedBefore = false;
  var stream = new EventSource('/api/stream');
  stream.addEventListener('snapshot', function () {
    // After a reconnect, whatever changed meanwhile is fetched once.
    if (connectedBefore) soon();
    connectedBefore = true;
  });
  stream.addEventListener('release', function (event) {
    var release = JSON.parse(event.data);
    if (mode === 'list' || release.id === releaseId) soon();
  });
})();
