/* Rempart console: keyboard shortcuts, row selection, confirmations, and the warned way out of
   message links. Served from 'self' (the Content-Security-Policy allows no inline script). */
(function () {
  "use strict";

  var DECISION_KEYS = { m: "malicious", p: "phishing_simulation", s: "spam", c: "clean" };

  function typing(target) {
    var tag = (target && target.tagName) || "";
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable);
  }

  function openDialog(id) {
    var dialog = document.getElementById(id);
    if (dialog && typeof dialog.showModal === "function" && !dialog.open) dialog.showModal();
  }

  function anyDialogOpen() {
    return !!document.querySelector("dialog[open]");
  }

  /* --- Links found in a message: never followed without a warning ------------------------- */

  function httpUrl(value) {
    try {
      var url = new URL(value);
      return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
    } catch (e) {
      return null;
    }
  }

  function warnAbout(url) {
    var dialog = document.getElementById("link-warning");
    var safe = httpUrl(url);
    if (!dialog || !safe) return;
    document.getElementById("link-warning-dest").textContent = url;
    document.getElementById("link-warning-open").setAttribute("href", safe);
    openDialog("link-warning");
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest(".body-link[data-url], [data-warn-url]");
    if (link) {
      event.preventDefault();
      warnAbout(link.getAttribute("data-url") || link.getAttribute("data-warn-url"));
      return;
    }
    var opener = event.target.closest && event.target.closest("[data-open-dialog]");
    if (opener) {
      openDialog(opener.getAttribute("data-open-dialog"));
      return;
    }
    var confirmLink = event.target.closest && event.target.closest("a[data-confirm]");
    if (confirmLink && !window.confirm(confirmLink.getAttribute("data-confirm"))) {
      event.preventDefault();
      return;
    }
    var row = event.target.closest && event.target.closest("tr[data-href]");
    if (row && !event.target.closest("a, button, input, label, select, textarea")) {
      window.location.href = row.getAttribute("data-href");
    }
  });

  document.addEventListener("keydown", function (event) {
    var link = event.target.closest && event.target.closest(".body-link[data-url]");
    if (link && (event.key === "Enter" || event.key === " ")) {
      event.preventDefault();
      warnAbout(link.getAttribute("data-url"));
    }
  });

  var linkDialog = document.getElementById("link-warning");
  if (linkDialog) {
    document.getElementById("link-warning-open").addEventListener("click", function () {
      linkDialog.close();
    });
  }

  /* --- Confirmations on forms that change things ------------------------------------------ */

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var message = form.getAttribute("data-confirm");
    if (!message || form.hasAttribute("data-confirmed")) return;
    if (form.id === "bulk-form") {
      var n = form.querySelectorAll("input[name='ids']:checked").length;
      if (!n) { event.preventDefault(); return; }
      var label = event.submitter ? event.submitter.textContent.trim() : "";
      message = message.replace("{n}", String(n)).replace("{decision}", label);
    }
    if (!window.confirm(message)) event.preventDefault();
  });

  /* --- The queue: current row, selection, bulk decisions ---------------------------------- */

  var queue = document.getElementById("queue");
  var bulk = document.getElementById("bulk-form");
  var rows = queue ? Array.prototype.slice.call(queue.querySelectorAll("tbody tr[data-case]")) : [];
  var current = -1;

  function setCurrent(index) {
    if (!rows.length) return;
    current = Math.max(0, Math.min(rows.length - 1, index));
    rows.forEach(function (row, i) { row.classList.toggle("current", i === current); });
    rows[current].focus({ preventScroll: true });
    rows[current].scrollIntoView({ block: "nearest" });
  }

  function checkboxes() {
    return bulk ? Array.prototype.slice.call(bulk.querySelectorAll("input[name='ids']")) : [];
  }

  function updateCount() {
    var label = document.getElementById("selection-count");
    if (!label) return;
    var n = checkboxes().filter(function (box) { return box.checked; }).length;
    if (n > 0) label.textContent = label.getAttribute("data-template").replace("{n}", String(n));
  }

  var selectAll = document.getElementById("select-all");
  if (selectAll) {
    selectAll.addEventListener("change", function () {
      checkboxes().forEach(function (box) { box.checked = selectAll.checked; });
      updateCount();
    });
  }
  if (bulk) bulk.addEventListener("change", updateCount);

  function decideFromQueue(decision) {
    if (!bulk) return;
    var selected = checkboxes().filter(function (box) { return box.checked; });
    if (!selected.length && current >= 0) {
      var box = rows[current].querySelector("input[name='ids']");
      if (box) { box.checked = true; selected = [box]; }
    }
    if (!selected.length) return;
    var button = bulk.querySelector("button[name='decision'][value='" + decision + "']");
    if (!button) return;
    var question = bulk.getAttribute("data-confirm")
      .replace("{n}", String(selected.length))
      .replace("{decision}", button.textContent.trim());
    if (window.confirm(question)) {
      bulk.setAttribute("data-confirmed", "");
      bulk.requestSubmit(button);
    }
  }

  /* --- The case view: decide with one key --------------------------------------------------- */

  var decisionForm = document.getElementById("decision-form");

  function decideCase(decision) {
    if (!decisionForm) return;
    var button = decisionForm.querySelector("button[name='decision'][value='" + decision + "']");
    if (!button) return;
    var template = (linkDialog && linkDialog.getAttribute("data-confirm-decision")) || "{decision}?";
    var question = decisionForm.getAttribute("data-confirm") ||
      template.replace("{decision}", button.textContent.replace(/\s+\S$/, "").trim());
    if (window.confirm(question)) {
      decisionForm.setAttribute("data-confirmed", "");
      decisionForm.requestSubmit(button);
    }
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target) || anyDialogOpen()) return;
    var key = event.key;
    if (key === "?") { event.preventDefault(); openDialog("shortcuts"); return; }
    if (key === "/") {
      var search = document.getElementById("search");
      if (search) { event.preventDefault(); search.focus(); search.select(); }
      return;
    }
    if (queue) {
      if (key === "j" || key === "ArrowDown") { event.preventDefault(); setCurrent(current + 1); return; }
      if (key === "k" || key === "ArrowUp") { event.preventDefault(); setCurrent(current - 1); return; }
      if ((key === "o" || key === "Enter") && current >= 0) {
        event.preventDefault();
        window.location.href = rows[current].getAttribute("data-href");
        return;
      }
      if (key === "x" && current >= 0) {
        var box = rows[current].querySelector("input[name='ids']");
        if (box) { box.checked = !box.checked; updateCount(); }
        return;
      }
      if (DECISION_KEYS[key]) { event.preventDefault(); decideFromQueue(DECISION_KEYS[key]); return; }
    }
    if (decisionForm && DECISION_KEYS[key]) { event.preventDefault(); decideCase(DECISION_KEYS[key]); return; }
    if (key === "u") {
      var back = document.querySelector("[data-key-back]");
      if (back) window.location.href = back.getAttribute("href");
    }
  });
})();
