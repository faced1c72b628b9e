// The Metrics tab: two uPlot charts (utilisation %, network bytes/s) fed by the JSON API, which
// downsamples in SQL to about 1,000 points whatever the window. Dragging across a chart zooms both
// and fetches that window at finer resolution; "Reset zoom" returns to the chosen range. Agents that
// do not measure network traffic send none: then the network chart gives way to a note saying so.
// A window without any sample (a zoom into a gap, a host that never reported) says so. The value
// axis is as wide as its longest label, so "146.5 KB/s" is never cut to "46.5 KB/s".
(function () {
  "use strict";
  var section = document.getElementById("metrics");
  if (!section || typeof uPlot === "undefined") { return; }
  var host = section.getAttribute("data-host");
  var range = section.getAttribute("data-range");
  var resetButton = document.getElementById("reset-zoom");
  var charts = [];
  window.ctopsCharts = charts;
  window.ctopsMetricsLoads = 0;

  function width() {
    return Math.max(240, section.clientWidth - 32);
  }

  function bytes(v) {
    if (v == null) { return "—"; }
    var units = ["B/s", "KB/s", "MB/s", "GB/s"];
    var i = 0;
    while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
    return v.toFixed(i === 0 ? 0 : 1) + " " + units[i];
  }

  // axis labels in the page's text colour, so they read in the dark theme too
  function axisColour() {
    return getComputedStyle(document.documentElement).getPropertyValue("--muted").trim() || "#6b7280";
  }

  function onSelect(u) {
    if (u.select.width < 5) { return; }
    var min = Math.floor(u.posToVal(u.select.left, "x"));
    var max = Math.ceil(u.posToVal(u.select.left + u.select.width, "x"));
    u.setSelect({ left: 0, width: 0, top: 0, height: 0 }, false);
    zoom(min, max);
  }

  // the value axis's width: the widest label as drawn in the axis font, plus its ticks and gap
  function axisSize(u, values, axisIndex, cycle) {
    var axis = u.axes[axisIndex];
    if (cycle > 1) { return axis._size; }
    var size = axis.ticks.size + axis.gap + 8;
    if (values && values.length) {
      u.ctx.font = axis.font[0];
      var widest = 0;
      values.forEach(function (label) {
        if (label != null) { widest = Math.max(widest, u.ctx.measureText(String(label)).width); }
      });
      size += widest / (window.devicePixelRatio || 1);
    }
    return Math.ceil(size);
  }

  function options(title, series, percent) {
    return {
      title: title,
      width: width(),
      height: 220,
      cursor: { drag: { x: true, y: false, setScale: false } },
      scales: { x: { time: true }, y: percent ? { range: [0, 100] } : { auto: true } },
      axes: [
        { stroke: axisColour, grid: { stroke: "rgba(128, 128, 128, 0.2)" }, ticks: { stroke: "rgba(128, 128, 128, 0.3)" } },
        {
          stroke: axisColour,
          grid: { stroke: "rgba(128, 128, 128, 0.2)" },
          ticks: { stroke: "rgba(128, 128, 128, 0.3)" },
          values: function (u, vals) { return vals.map(function (v) { return percent ? v + "%" : bytes(v); }); },
          size: axisSize
        }
      ],
      series: [{}].concat(series),
      hooks: { setSelect: [onSelect] }
    };
  }

  function draw(data) {
    var usage = [data.times, data.cpu, data.memory, data.disk];
    var network = [data.times, data.net_rx, data.net_tx];
    if (charts.length === 0) {
      charts.push(new uPlot(options("Utilisation", [
        { label: "CPU", stroke: "#2563eb", width: 1.5, value: function (u, v) { return v == null ? "—" : v.toFixed(1) + "%"; } },
        { label: "Memory", stroke: "#16a34a", width: 1.5, value: function (u, v) { return v == null ? "—" : v.toFixed(1) + "%"; } },
        { label: "Disk", stroke: "#d97706", width: 1.5, value: function (u, v) { return v == null ? "—" : v.toFixed(1) + "%"; } }
      ], true), usage, document.getElementById("chart-usage")));
      charts.push(new uPlot(options("Network", [
        { label: "Receive", stroke: "#7c3aed", width: 1.5, value: function (u, v) { return bytes(v); } },
        { label: "Transmit", stroke: "#db2777", width: 1.5, value: function (u, v) { return bytes(v); } }
      ], false), network, document.getElementById("chart-network")));
    } else {
      charts[0].setData(usage);
      charts[1].setData(network);
    }
    var networkAbsent = data.times.length > 0 && !data.net_rx.concat(data.net_tx).some(function (v) { return v != null; });
    document.getElementById("network-absent").hidden = !networkAbsent;
    document.getElementById("chart-network").hidden = networkAbsent;
    var from = Date.parse(data.from) / 1000;
    var to = Date.parse(data.to) / 1000;
    charts.forEach(function (c) { c.setScale("x", { min: from, max: to }); });
    var empty = document.getElementById("metrics-empty");
    empty.hidden = data.times.length > 0;
    empty.textContent = data.times.length > 0 ? "" : "No data between " + new Date(from * 1000).toLocaleString() +
      " and " + new Date(to * 1000).toLocaleString() + "." + (resetButton.hidden ? "" : " Reset zoom to go back.");
    document.getElementById("metrics-note").textContent =
      data.times.length + " points, one per " + data.bucket_seconds + " s. Drag across a chart to zoom in.";
    window.ctopsMetricsLoads++;
  }

  function load(query) {
    return fetch("/api/v1/hosts/" + host + "/metrics?" + query, { credentials: "same-origin" })
      .then(function (r) {
        if (!r.ok) { throw new Error("metrics request failed: " + r.status); }
        return r.json();
      })
      .then(draw)
      .catch(function (e) { document.getElementById("metrics-note").textContent = e.message; });
  }

  function zoom(min, max) {
    if (max - min < 2) { max = min + 2; }
    resetButton.hidden = false;
    load("from=" + min + "&to=" + max);
  }

  resetButton.addEventListener("click", function () {
    resetButton.hidden = true;
    load("range=" + encodeURIComponent(range));
  });
  window.addEventListener("resize", function () {
    charts.forEach(function (c) { c.setSize({ width: width(), height: 220 }); });
  });
  load("range=" + encodeURIComponent(range));
})();
