// The colour theme, loaded in <head> so the page is drawn in the right theme from the start: the
// choice made with the header's toggle (remembered in this browser), otherwise the system's
// prefers-color-scheme, followed live while no choice is stored.
(function () {
  "use strict";
  var KEY = "ctops-theme";
  var root = document.documentElement;
  var system = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;

  function stored() {
    try {
      var value = window.localStorage.getItem(KEY);
      return value === "dark" || value === "light" ? value : null;
    } catch (e) {
      return null; // storage blocked: follow the system
    }
  }

  function apply() {
    root.setAttribute("data-theme", stored() || (system && system.matches ? "dark" : "light"));
  }

  apply();
  if (system && system.addEventListener) { system.addEventListener("change", apply); }

  document.addEventListener("click", function (event) {
    var toggle = event.target.closest && event.target.closest("#theme-toggle");
    if (!toggle) { return; }
    var next = root.getAttribute("data-theme") === "dark" ? "light" : "dark";
    try { window.localStorage.setItem(KEY, next); } catch (e) { /* this page only */ }
    apply();
    if (stored() === null) { root.setAttribute("data-theme", next); }
  });
})();
