// Keyboard-first work on the staff page. Every key does what a mouse or Tab could do too:
// j/k choose a ticket in the list, Enter opens it, a assigns it to me, r and n start a reply or
// a note, / searches, ? shows the keys, Ctrl+Enter sends what is being written.
(function () {
  "use strict";

  function typing(target) {
    return target.closest("input, textarea, select, [contenteditable='true']") !== null;
  }

  function rows() {
    return Array.from(document.querySelectorAll("[data-row]"));
  }

  function chosen() {
    return document.querySelector("[data-row].selected");
  }

  function choose(row) {
    rows().forEach(function (r) { r.classList.remove("selected"); });
    if (!row) { return; }
    row.classList.add("selected");
    var link = row.querySelector("[data-open]");
    if (link) { link.focus(); }
    row.scrollIntoView({ block: "nearest" });
  }

  function move(step) {
    var all = rows();
    if (!all.length) { return; }
    var at = all.indexOf(chosen());
    var next = at < 0 ? 0 : Math.min(Math.max(at + step, 0), all.length - 1);
    choose(all[next]);
  }

  function assign() {
    // In a list, only the chosen ticket; on a ticket's own page, that ticket.
    var form = null;
    if (rows().length) {
      var row = chosen();
      form = row ? row.querySelector("form[data-assign]") : null;
    } else {
      form = document.querySelector("main form[data-assign]");
    }
    if (form) { form.requestSubmit(); }
  }

  function focusField(key) {
    var field = document.querySelector("[data-key='" + key + "']");
    if (field) { field.focus(); field.scrollIntoView({ block: "center" }); }
  }

  function showKeys() {
    var dialog = document.getElementById("keys");
    if (dialog && !dialog.open) { dialog.showModal(); }
  }

  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && event.target.form) {
      event.preventDefault();
      event.target.form.requestSubmit();
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) { return; }
    if (document.querySelector("dialog[open]")) { return; }
    var actions = {
      j: function () { move(1); },
      k: function () { move(-1); },
      a: assign,
      r: function () { focusField("r"); },
      n: function () { focusField("n"); },
      "/": function () { var q = document.getElementById("q"); if (q) { q.focus(); } },
      "?": showKeys
    };
    var action = actions[event.key];
    if (action) {
      event.preventDefault();
      action();
    }
  });

  document.addEventListener("focusin", function (event) {
    var row = event.target.closest && event.target.closest("[data-row]");
    if (row && !row.classList.contains("selected")) {
      rows().forEach(function (r) { r.classList.remove("selected"); });
      row.classList.add("selected");
    }
  });

  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-keys-open]")) { showKeys(); }
    var suggestion = event.target.closest("[data-suggest]");
    if (suggestion) {
      var reply = document.querySelector("[data-key='r']");
      reply.value = suggestion.getAttribute("data-suggest");
      reply.focus();
    }
  });

  // After a change the page comes back with what happened; say it and put focus there, so a
  // keyboard or screen-reader user knows at once and carries on from the same place.
  document.addEventListener("DOMContentLoaded", function () {
    var done = document.getElementById("done");
    if (done) { done.focus(); }
  });
}());
