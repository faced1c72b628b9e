// CT-Ops page behaviour: CSRF header on every htmx request, confirm dialogs for destructive forms,
// refresh of the host list after actions, and error messages from refused htmx requests.
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
  // after approve/revoke the list and the counts change too
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "pending" && document.getElementById("host-list")) {
      htmx.ajax("GET", window.location.pathname + window.location.search,
        { target: "#host-list", swap: "outerHTML" });
      htmx.ajax("GET", "/hosts/overview", { target: "#overview", swap: "outerHTML" });
    }
  });
})();
