// CT-Ops page behaviour: CSRF header on every htmx request, confirm dialogs for destructive forms
// and role changes, refresh of the host list after actions, error messages from refused htmx
// requests, unfolded output kept open across refreshes, the folding navigation of narrow screens,
// Copy buttons, and the search keys ("/" and Esc).
(function () {
  "use strict";
  function csrf() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }
  document.addEventListener("htmx:configRequest", function (event) {
    event.detail.headers["X-CSRF-Token"] = csrf();
  });
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
      event.stopPropagation();
    }
  }, true);
  // a select that submits its form when changed (the users' roles), after its question if any;
  // answering no puts the previous choice back
  document.addEventListener("focusin", function (event) {
    var select = event.target;
    if (select.matches && select.matches("select[data-submit-on-change]")) {
      select.setAttribute("data-previous", select.value);
    }
  });
  document.addEventListener("change", function (event) {
    var select = event.target;
    if (!select.matches || !select.matches("select[data-submit-on-change]")) { return; }
    var question = select.getAttribute("data-confirm-change");
    if (question) {
      var chosen = select.options[select.selectedIndex].text;
      if (!window.confirm(question.replace("{choice}", chosen))) {
        var previous = select.getAttribute("data-previous");
        if (previous !== null) { select.value = previous; }
        return;
      }
    }
    select.form.submit();
  });
  // narrow screens: the Menu button opens and closes the folded navigation
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("#nav-toggle");
    if (!button) { return; }
    var header = document.getElementById("top");
    var open = header.classList.toggle("open");
    button.setAttribute("aria-expanded", open ? "true" : "false");
  });
  // "/" jumps to the page's search box (unless typing somewhere already); Esc clears it
  function typing(element) {
    return element && (element.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(element.tagName));
  }
  document.addEventListener("keydown", function (event) {
    if (event.key === "/" && !event.ctrlKey && !event.metaKey && !event.altKey && !typing(document.activeElement)) {
      var search = document.querySelector("main input[type=search]");
      if (search) {
        event.preventDefault();
        search.focus();
        search.select();
      }
    } else if (event.key === "Escape" && event.target.matches && event.target.matches("input[type=search]")) {
      if (event.target.value !== "") {
        event.preventDefault();
        event.target.value = "";
        event.target.dispatchEvent(new Event("input", { bubbles: true }));
      }
    }
  });
  function toast(message) {
    var box = document.getElementById("toast");
    if (!box) { return; }
    box.textContent = message;
    box.hidden = false;
    clearTimeout(box._timer);
    box._timer = setTimeout(function () { box.hidden = true; }, 8000);
  }
  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    toast((xhr.status ? "Error " + xhr.status + ": " : "") + (xhr.responseText || "request failed"));
  });
  document.addEventListener("htmx:sendError", function () {
    toast("The server cannot be reached; retrying on the next refresh.");
  });
  // bar lengths come as data-width (percent): the Content-Security-Policy allows no style attributes
  function sizeBars(root) {
    root.querySelectorAll("[data-width]").forEach(function (bar) {
      bar.style.width = bar.getAttribute("data-width") + "%";
    });
  }
  document.addEventListener("DOMContentLoaded", function () { sizeBars(document); });
  document.addEventListener("htmx:afterSwap", function () { sizeBars(document); });
  // a part that refreshes itself keeps what the reader unfolded: its open <details> with an id
  var unfolded = [];
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    unfolded = target && target.querySelectorAll
      ? Array.prototype.map.call(target.querySelectorAll("details[open][id]"), function (d) { return d.id; })
      : [];
  });
  document.addEventListener("htmx:afterSwap", function () {
    unfolded.forEach(function (id) {
      var details = document.getElementById(id);
      if (details) { details.open = true; }
    });
    unfolded = [];
  });
  // a Copy button (a certificate's fingerprint): the clipboard where the browser offers it (HTTPS or
  // localhost), else the old copy command on a scratch field
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button[data-copy]");
    if (!button) { return; }
    var text = button.getAttribute("data-copy");
    function copied() {
      button.textContent = "Copied";
      setTimeout(function () { button.textContent = "Copy"; }, 1500);
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(copied, function () { toast("The browser refused the copy"); });
      return;
    }
    var scratch = document.createElement("textarea");
    scratch.value = text;
    scratch.setAttribute("readonly", "");
    document.body.appendChild(scratch);
    scratch.select();
    var done = document.execCommand("copy");
    document.body.removeChild(scratch);
    if (done) { copied(); } else { toast("The browser refused the copy"); }
  });
  // after approve/revoke the list and the counts change too
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "pending" && document.getElementById("host-list")) {
      htmx.ajax("GET", window.location.pathname + window.location.search,
        { target: "#host-list", swap: "outerHTML" });
      htmx.ajax("GET", "/hosts/overview", { target: "#overview", swap: "outerHTML" });
    }
  });
})();
