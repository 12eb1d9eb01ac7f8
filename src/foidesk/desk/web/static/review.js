// The review page's keys (review.html): j/k next and previous hit, a accept, x reject,
// u undo the last decision made on this page, ? the list of keys. Each key presses the hit's
// own button (a plain form, sent by htmx), so the page works the same without this file.
(function () {
  "use strict";
  var list = document.getElementById("hits");
  var dialog = document.getElementById("review-keys");
  var opener = document.getElementById("review-keys-open");
  var made = []; // hit ids decided on this page, last last: what u undoes
  var pending = null; // after a or x: move on once the row is back
  var queue = []; // keys pressed while a decision is on its way: run in turn once it is back

  function rows() {
    return list ? Array.prototype.slice.call(list.querySelectorAll("li.hit")) : [];
  }

  function current() {
    return list ? list.querySelector('li.hit[aria-current="true"]') : null;
  }

  function select(row) {
    if (!row) return;
    rows().forEach(function (r) { r.removeAttribute("aria-current"); });
    row.setAttribute("aria-current", "true");
    row.focus({ preventScroll: true });
    row.scrollIntoView({ block: "nearest" });
  }

  function step(by) {
    var all = rows();
    if (!all.length) return;
    var at = all.indexOf(current());
    if (at < 0) { select(all[by > 0 ? 0 : all.length - 1]); return; }
    select(all[Math.min(Math.max(at + by, 0), all.length - 1)]);
  }

  function nextUndecided(id) {
    var all = rows();
    var at = all.findIndex(function (r) { return r.dataset.hit === id; });
    var after = all.slice(at + 1).concat(all.slice(0, Math.max(at, 0)));
    var row = after.find(function (r) { return r.dataset.decided !== "1"; });
    select(row || all[at] || null);
  }

  function press(row, choice) {
    var button = row && row.querySelector('button[name="choice"][value="' + choice + '"]');
    if (!button) return false;
    button.click();
    return true;
  }

  function decide(choice) {
    var row = current() || rows()[0];
    if (!row) return;
    if (press(row, choice)) {
      made.push(row.dataset.hit);
      pending = { id: row.dataset.hit, row: row, move: true };
    }
  }

  function undo() {
    var id = made.pop();
    if (!id) return;
    var row = document.getElementById("hit-" + id);
    if (press(row, "undo")) pending = { id: id, row: row, move: false };
    else made.push(id);
  }

  function toggleHelp() {
    if (!dialog) return;
    if (dialog.open) dialog.close();
    else dialog.showModal();
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    var target = event.target;
    var tag = target && target.tagName;
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable)) return;
    if (dialog && dialog.open && event.key !== "?") return;
    var keys = {
      j: function () { step(1); },
      k: function () { step(-1); },
      a: function () { decide("accept"); },
      x: function () { decide("reject"); },
      u: undo,
      "?": toggleHelp,
    };
    var action = keys[event.key];
    if (!action) return;
    event.preventDefault();
    // a key pressed before the last decision's row is back waits its turn: "a a a" decides
    // three hits, not the first one three times (nor by a plain post of a row being replaced)
    if (pending) queue.push(action);
    else action();
  });

  function next() {
    while (!pending && queue.length) queue.shift()();
  }

  // a decision that failed on its way (the server or the network): forget what waited on it
  document.body.addEventListener("htmx:afterRequest", function (event) {
    if (pending && event.detail && event.detail.failed) {
      pending = null;
      queue = [];
    }
  });

  // htmx put the decided row back (a new element): select it, or move to the next undecided
  document.body.addEventListener("htmx:afterSettle", function () {
    if (!pending) return;
    var row = document.getElementById("hit-" + pending.id);
    if (row === pending.row) return; // not swapped yet: another part of the page settled
    var then = pending;
    pending = null;
    if (row) {
      if (then.move) nextUndecided(then.id);
      else select(row);
    }
    next();
  });

  if (list) {
    list.addEventListener("click", function (event) {
      var row = event.target.closest && event.target.closest("li.hit");
      if (row && !event.target.closest("button, input, a")) select(row);
    });
    list.addEventListener("focusin", function (event) {
      var row = event.target.closest && event.target.closest("li.hit");
      if (row && row.getAttribute("aria-current") !== "true") {
        rows().forEach(function (r) { r.removeAttribute("aria-current"); });
        row.setAttribute("aria-current", "true");
      }
    });
  }
  if (opener) {
    opener.hidden = false;
    opener.addEventListener("click", toggleHelp);
  }
  // arriving at #hit-... (after a plain form's redirect): that hit is the current one
  if (location.hash.indexOf("#hit-") === 0) {
    select(document.getElementById(location.hash.slice(1)));
  }
})();
