// Bulk actions on the Hosts page: the row checkboxes and the one in the header (this page), the
// bar that appears while something is selected, "Select all N matching" (then the list's query
// string is sent instead of ids, so the server acts on the whole filtered set), the action's own
// field (tags or a group; for a delete, whether agents uninstall themselves), a confirmation naming
// how many hosts, and after it the job's progress panel (it polls itself); when the job ends the
// list is reloaded to show what changed.
(function () {
  "use strict";
  var allMatching = false;

  function list() { return document.getElementById("host-list"); }
  function bar() { return document.querySelector("#bulk-bar[data-bulk-ready]"); }
  function boxes() {
    var hosts = list();
    return hosts ? Array.prototype.slice.call(hosts.querySelectorAll("input.select-host")) : [];
  }
  function checked() { return boxes().filter(function (box) { return box.checked; }); }
  function matching() {
    var hosts = list();
    return hosts ? parseInt(hosts.getAttribute("data-total"), 10) || 0 : 0;
  }
  function selectedCount() { return allMatching ? matching() : checked().length; }
  function number(n) { return n.toLocaleString("en-US"); }
  function hosts(n) { return number(n) + (n === 1 ? " host" : " hosts"); }

  function show() {
    var panel = bar();
    if (!panel) { return; }
    document.body.classList.add("bulk-on");
    var picked = checked().length;
    var rows = boxes().length;
    var head = document.getElementById("select-page");
    if (head) {
      head.checked = rows > 0 && picked === rows;
      head.indeterminate = picked > 0 && picked < rows;
    }
    panel.hidden = picked === 0 && !allMatching;
    document.getElementById("bulk-count").textContent = allMatching
      ? "All " + number(matching()) + " matching selected"
      : number(picked) + " selected";
    var all = document.getElementById("bulk-select-all");
    all.hidden = allMatching || matching() <= picked;
    all.textContent = "Select all " + number(matching()) + " matching";
    var action = document.getElementById("bulk-action").value;
    var tags = document.getElementById("bulk-tags");
    tags.hidden = !(action === "tag" || action === "untag");
    var group = document.getElementById("bulk-group");
    if (group) { group.hidden = !(action === "add_to_group" || action === "remove_from_group"); }
    document.getElementById("bulk-uninstall-options").hidden = action !== "delete";
  }

  function clear() {
    allMatching = false;
    boxes().forEach(function (box) { box.checked = false; });
    show();
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.id === "select-page") {
      allMatching = false;
      boxes().forEach(function (box) { box.checked = target.checked; });
    } else if (target.classList && target.classList.contains("select-host")) {
      if (!target.checked) { allMatching = false; }
    } else if (target.id !== "bulk-action") {
      return;
    }
    show();
  });

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (target.id === "bulk-select-all") {
      allMatching = true;
      boxes().forEach(function (box) { box.checked = true; });
      show();
    } else if (target.id === "bulk-clear") {
      clear();
    }
  });

  function question(action, count, values) {
    var what = hosts(count);
    switch (action) {
      case "tag": return "Tag " + what + " with " + values.tags + "?";
      case "untag": return "Remove " + values.tags + " from " + what + "?";
      case "add_to_group": return "Add " + what + " to the group " + values.groupName + "?";
      case "remove_from_group": return "Remove " + what + " from the group " + values.groupName + "?";
      case "rescan": return "Rescan the software inventory of " + what + "?";
      case "delete":
        return "Delete " + what + "? They leave the list and the counts; each can be restored" +
          " from the Deleted view." + (values.uninstall
            ? " The agents of online hosts uninstall themselves first" +
              (values.removeData ? ", removing their data directories" : "") +
              "; each host goes when its agent confirms, or after 2 minutes."
            : "");
      default: return "Apply to " + what + "?";
    }
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.id !== "bulk-form") { return; }
    event.preventDefault();
    var action = form.elements.action.value;
    var values = { action: action };
    var confirmWith = {};
    if (action === "tag" || action === "untag") {
      values.tags = form.elements.tags.value;
      confirmWith.tags = values.tags.trim();
    }
    if (action === "add_to_group" || action === "remove_from_group") {
      var group = form.elements.group_id;
      values.group_id = group.value;
      confirmWith.groupName = group.selectedIndex >= 0 ? group.options[group.selectedIndex].text : "";
    }
    if (action === "delete" && form.elements.uninstall.checked) {
      values.uninstall = "1";
      confirmWith.uninstall = true;
      if (form.elements.remove_data.checked) {
        values.remove_data = "1";
        confirmWith.removeData = true;
      }
    }
    if (allMatching) {
      values.filter = list().getAttribute("data-query");
    } else {
      values.host_ids = checked().map(function (box) { return box.value; }).join(",");
    }
    if (!window.confirm(question(action, selectedCount(), confirmWith))) { return; }
    htmx.ajax("POST", "/hosts/bulk", { target: "#bulk-progress", swap: "innerHTML", values: values });
  });

  // a new list (filters, paging, or after a job) starts with nothing selected
  document.addEventListener("htmx:afterSettle", function (event) {
    if (event.detail.target && event.detail.target.id === "host-list") { allMatching = false; }
    show();
  });

  document.addEventListener("bulkJobFinished", function () {
    allMatching = false;
    if (list()) {
      htmx.ajax("GET", window.location.pathname + window.location.search,
        { target: "#host-list", swap: "outerHTML" });
    }
    if (document.getElementById("overview")) {
      htmx.ajax("GET", "/hosts/overview", { target: "#overview", swap: "outerHTML" });
    }
  });
})();
