// The Terminal tab: xterm.js with its fit add-on, joined by a WebSocket to a shell on the host.
// The page opens a session (POST …/terminal/sessions gives its id and a single-use ticket), then the
// WebSocket with the ticket. Keystrokes go as binary frames, resizes and "End session" as JSON;
// output comes as binary frames, the screen so far as {"replay"} after a re-attach. When the
// WebSocket drops (sleep, a network change) the page asks for a new ticket for the same session and
// reconnects, backing off up to 30 s; the shell waits on the host for its grace period. A reload
// of the page re-attaches to the tab's session too.
(function () {
  "use strict";
  var card = document.getElementById("terminal-card");
  if (!card || card.getAttribute("data-online") !== "true") { return; }
  var hostId = card.getAttribute("data-host");
  var statusLine = document.getElementById("terminal-status");
  var endButton = document.getElementById("terminal-end");
  var newButton = document.getElementById("terminal-new");
  var MAX_INPUT = 1024 * 1024;
  var CHUNK = 32 * 1024;

  var term = new Terminal({ cursorBlink: true, fontSize: 14, scrollback: 5000 });
  var fit = new FitAddon.FitAddon();
  term.loadAddon(fit);
  term.open(document.getElementById("terminal"));
  fit.fit();

  // the tab's session survives a reload of the page (sessionStorage is per browser tab)
  var remembered = "ctops-terminal-" + hostId;
  var sessionId = window.sessionStorage.getItem(remembered);
  var socket = null;
  var ended = false;
  var retries = 0;
  var encoder = new TextEncoder();
  var state = { term: term, lastStatus: "", closed: null, connects: 0 };
  window.ctopsTerminal = state;

  function status(text) {
    state.lastStatus = text;
    statusLine.textContent = text;
  }
  function csrf() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }
  function post(path) {
    return fetch(path, { method: "POST", credentials: "same-origin", headers: { "X-CSRF-Token": csrf() } })
      .then(function (response) {
        return response.json().then(function (body) {
          if (!response.ok) { throw new Error(body.detail || body.title || ("HTTP " + response.status)); }
          return body;
        });
      });
  }
  function ticket() {
    var size = "?cols=" + term.cols + "&rows=" + term.rows;
    if (sessionId === null) {
      return post("/hosts/" + hostId + "/terminal/sessions" + size);
    }
    return post("/hosts/" + hostId + "/terminal/sessions/" + sessionId + "/ticket")
      .catch(function () {
        // that session has ended: open a new one
        sessionId = null;
        window.sessionStorage.removeItem(remembered);
        return post("/hosts/" + hostId + "/terminal/sessions" + size);
      });
  }

  function connect() {
    status(retries === 0 ? "Connecting…" : "Reconnecting…");
    ticket().then(function (opened) {
      sessionId = opened.session_id;
      window.sessionStorage.setItem(remembered, sessionId);
      var scheme = location.protocol === "https:" ? "wss://" : "ws://";
      socket = new WebSocket(scheme + location.host + "/hosts/" + hostId + "/terminal/ws?session=" +
        encodeURIComponent(sessionId) + "&ticket=" + encodeURIComponent(opened.ticket) +
        "&cols=" + term.cols + "&rows=" + term.rows);
      socket.binaryType = "arraybuffer";
      socket.onopen = function () { retries = 0; state.connects++; endButton.hidden = false; };
      socket.onmessage = received;
      socket.onclose = function () {
        socket = null;
        if (ended) { return; }
        retries++;
        var wait = Math.min(30000, 1000 * Math.pow(2, Math.min(retries - 1, 5)));
        status("Connection lost; reconnecting in " + Math.round(wait / 1000) + " s (the shell keeps running)");
        setTimeout(connect, wait);
      };
    }).catch(function (error) {
      ended = true;
      status("Cannot open a terminal: " + error.message);
      newButton.hidden = false;
    });
  }

  function received(event) {
    if (typeof event.data !== "string") {
      term.write(new Uint8Array(event.data));
      return;
    }
    var message = JSON.parse(event.data);
    if (message.replay !== undefined) {
      term.reset();
      var raw = atob(message.replay);
      var bytes = new Uint8Array(raw.length);
      for (var i = 0; i < raw.length; i++) { bytes[i] = raw.charCodeAt(i); }
      term.write(bytes);
    } else if (message.status !== undefined) {
      status(message.status === "connected" ? "Connected" : message.status);
    } else if (message.closed !== undefined) {
      ended = true;
      state.closed = message.closed;
      window.sessionStorage.removeItem(remembered);
      endButton.hidden = true;
      newButton.hidden = false;
      var code = message.closed.exit_code;
      status("Session ended" + (code >= 0 ? " with exit code " + code : "") +
        (message.closed.reason ? ": " + message.closed.reason : ""));
    }
  }

  function send(data) {
    if (!socket || socket.readyState !== WebSocket.OPEN) { return; }
    socket.send(data);
  }

  term.onData(function (text) {
    var bytes = encoder.encode(text);
    if (bytes.length > MAX_INPUT) {
      bytes = bytes.slice(0, MAX_INPUT);
      status("The paste was over 1 MiB: only its first 1 MiB was sent");
    }
    for (var at = 0; at < bytes.length; at += CHUNK) { send(bytes.slice(at, at + CHUNK)); }
  });
  term.onResize(function (size) { send(JSON.stringify({ resize: [size.cols, size.rows] })); });
  window.addEventListener("resize", function () { fit.fit(); });
  endButton.addEventListener("click", function () {
    if (window.confirm("End this session? The shell on the host is closed.")) {
      send(JSON.stringify({ close: true }));
    }
  });
  newButton.addEventListener("click", function () { window.location.reload(); });
  state.fit = function () { fit.fit(); };
  state.drop = function () { if (socket) { socket.close(); } };
  connect();
  term.focus();
})();
