// Plays a terminal session's recording (asciicast v2: a header line, then [seconds, "o", text]
// lines) in xterm.js at 1×, 2× or 8×; Play starts again from the beginning.
(function () {
  "use strict";
  var card = document.getElementById("replay-card");
  if (!card) { return; }
  var status = document.getElementById("replay-status");
  var speed = document.getElementById("replay-speed");
  var header = null;
  var events = [];
  var timer = null;
  var state = { done: false, played: 0 };
  window.ctopsReplay = state;

  var term = new Terminal({ fontSize: 14, scrollback: 5000 });
  term.open(document.getElementById("terminal"));
  state.term = term;

  fetch(card.getAttribute("data-cast"), { credentials: "same-origin" })
    .then(function (response) { return response.text(); })
    .then(function (text) {
      var lines = text.split("\n").filter(function (line) { return line.length > 0; });
      header = JSON.parse(lines[0]);
      term.resize(header.width, header.height);
      events = lines.slice(1).map(function (line) { return JSON.parse(line); });
      status.textContent = events.length + " events, " +
        (events.length ? Math.round(events[events.length - 1][0]) : 0) + " s";
      play();
    });

  function play() {
    if (timer) { clearTimeout(timer); }
    term.reset();
    state.done = false;
    state.played = 0;
    var factor = parseInt(speed.value, 10) || 1;
    var started = performance.now();
    var index = 0;
    function step() {
      var elapsed = (performance.now() - started) / 1000 * factor;
      while (index < events.length && events[index][0] <= elapsed) {
        if (events[index][1] === "o") { term.write(events[index][2]); }
        index++;
        state.played = index;
      }
      if (index < events.length) {
        var wait = (events[index][0] - elapsed) / factor * 1000;
        timer = setTimeout(step, Math.max(0, Math.min(wait, 1000)));
      } else {
        state.done = true;
        status.textContent = "Played " + events.length + " events at " + factor + "×";
      }
    }
    step();
  }

  document.getElementById("replay-play").addEventListener("click", play);
  speed.addEventListener("change", play);
})();
