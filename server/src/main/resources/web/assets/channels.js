// The new-channel form: only the fields of the chosen kind show (URL and secret for a webhook, the
// URL for Slack, recipients for email). Without JavaScript every field shows and the server
// ignores those the kind does not use.
(function () {
  "use strict";
  function update() {
    var kind = document.getElementById("channel-kind");
    if (!kind) { return; }
    var fields = document.querySelectorAll("#channel-form [data-kinds]");
    Array.prototype.forEach.call(fields, function (field) {
      var kinds = field.getAttribute("data-kinds").split(" ");
      field.hidden = kinds.indexOf(kind.value) < 0;
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var kind = document.getElementById("channel-kind");
    if (kind) {
      kind.addEventListener("change", update);
      update();
    }
  });
  update();
})();
