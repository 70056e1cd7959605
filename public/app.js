// Small progressive enhancements; every page works without them.
(function () {
  'use strict';
  // Buttons that change money or lock a period ask first.
  document.addEventListener('submit', function (e) {
    var form = e.target;
    var msg = form.getAttribute('data-confirm');
    if (msg && !window.confirm(msg)) e.preventDefault();
  }, true);
  // Resolve-objection forms: the units field only matters for "reduce".
  function syncUnits(form) {
    var sel = form.querySelector('select[name="decision"]');
    var units = form.querySelector('[data-units]');
    if (sel && units) units.hidden = sel.value !== 'reduce';
  }
  document.addEventListener('change', function (e) {
    var f = e.target.form;
    if (f && e.target.name === 'decision') syncUnits(f);
  });
  // Long imports: poll the job and move the progress bar.
  function poll(box) {
    var url = box.getAttribute('data-poll');
    fetch(url, { headers: { Accept: 'application/json' }, credentials: 'same-origin' }).then(function (r) { return r.json(); }).then(function (job) {
      var bar = box.querySelector('progress');
      var text = box.querySelector('[data-progress-text]');
      if (bar && job.total) { bar.max = job.total; bar.value = job.done; }
      if (text) text.textContent = job.message || '';
      if (job.state === 'running' || job.state === 'queued') setTimeout(function () { poll(box); }, 700);
      else if (job.redirect) window.location.assign(job.redirect);
    }).catch(function () { setTimeout(function () { poll(box); }, 2000); });
  }
  document.addEventListener('DOMContentLoaded', function () {
    Array.prototype.forEach.call(document.querySelectorAll('form'), syncUnits);
    Array.prototype.forEach.call(document.querySelectorAll('[data-poll]'), poll);
    // open the item that a link points at (#line-123)
    if (location.hash && /^#line-\d+$/.test(location.hash)) {
      var el = document.querySelector(location.hash);
      if (el) { var d = el.closest('details'); if (d) d.open = true; el.scrollIntoView(); }
    }
  });
})();

// ---- setup, evidence & import ------------------------------------------------------------
// The event form shows only the details of the chosen event kind (without script every kind's
// fieldset is shown, each saying when it applies; the server reads only the chosen kind's).
(function () {
  'use strict';
  function syncKind(select) {
    var form = select.form;
    if (!form) return;
    Array.prototype.forEach.call(form.querySelectorAll('fieldset[data-kind]'), function (fs) {
      fs.hidden = fs.getAttribute('data-kind') !== select.value;
    });
  }
  document.addEventListener('change', function (e) {
    if (e.target && e.target.hasAttribute && e.target.hasAttribute('data-event-kind')) syncKind(e.target);
  });
  document.addEventListener('DOMContentLoaded', function () {
    Array.prototype.forEach.call(document.querySelectorAll('select[data-event-kind]'), syncKind);
  });
})();
