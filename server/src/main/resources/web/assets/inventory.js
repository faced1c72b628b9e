// The Inventory tab's instant search: filters the rows already on the page as you type.
(function () {
  "use strict";
  var removed = document.getElementById("show-removed");
  if (removed) {
    removed.addEventListener("change", function () {
      window.location.search = removed.checked ? "?removed=1" : "";
    });
  }
  var input = document.getElementById("package-search");
  if (!input) { return; }
  input.addEventListener("input", function () {
    var term = input.value.trim().toLowerCase();
    var shown = 0;
    document.querySelectorAll("#packages tbody tr[data-name]").forEach(function (row) {
      var match = term === "" || row.getAttribute("data-name").indexOf(term) >= 0;
      row.hidden = !match;
      if (match) { shown++; }
    });
    document.getElementById("package-count").textContent = shown + " packages";
  });
})();
