// The Inventory tab: searching and Show removed ask the server for the first page of matching
// packages (the list is paged there: a host can have thousands), and the pager's links swap in
// another page. Only the list is replaced, so the search box keeps focus while typing; the address
// bar follows each view, so a reload or a shared link shows the same page.
(function () {
  "use strict";
  var section = document.getElementById("inventory");
  var input = document.getElementById("package-search");
  var removed = document.getElementById("show-removed");
  if (!section || !input || !removed) { return; }
  var base = section.getAttribute("data-base");

  function show(url, push) {
    htmx.ajax("GET", url, { target: "#package-list", select: "#package-list", swap: "outerHTML" })
      .then(function () {
        if (push) { history.pushState({}, "", url); } else { history.replaceState({}, "", url); }
      });
  }

  function filtered() {
    var query = [];
    var term = input.value.trim();
    if (term !== "") { query.push("q=" + encodeURIComponent(term)); }
    if (removed.checked) { query.push("removed=1"); }
    return query.length ? base + "?" + query.join("&") : base;
  }

  var timer = null;
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () { show(filtered(), false); }, 250);
  });
  removed.addEventListener("change", function () { show(filtered(), true); });
  section.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("#package-pager a");
    if (!link) { return; }
    event.preventDefault();
    show(link.getAttribute("href"), true);
  });
  window.addEventListener("popstate", function () { window.location.reload(); });
})();
