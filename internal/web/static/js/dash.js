// Anju dashboard charts: every element with data-chart="ID" is drawn by
// ECharts (the common build, vendored) from the JSON in #ID-data, written
// by the server beside the table #ID-table that holds the same numbers.
// Once a chart is drawn its table steps out of sight, still read by screen
// readers and printed, and a "Table" button brings it back in its place.
// Without scripts the tables are the page. Charts draw on a canvas and so
// do their tooltips (renderMode richText): HTML tooltips carry inline
// styles, which the page's Content-Security-Policy refuses.
(function () {
  "use strict";
  if (!window.echarts) { return; }
  var colors = ["#0b5394", "#1e7b34", "#b3261e", "#8a5a00"];
  var font = window.getComputedStyle(document.body).fontFamily;
  var charts = [];

  function percent(v) { return v + "%"; }

  // trend: received as columns on the left axis, on-time resolution as a
  // line in per cent on the right.
  function trendOption(d) {
    var received = d.series[0], onTime = d.series[1];
    return {
      color: colors, animation: false, textStyle: { fontFamily: font },
      tooltip: { trigger: "axis", renderMode: "richText" },
      legend: { top: 0, data: [received.name, onTime.name] },
      grid: { left: 8, right: 8, top: 40, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: d.labels, axisLabel: { hideOverlap: true } },
      yAxis: [
        { type: "value", minInterval: 1 },
        { type: "value", min: 0, max: 100, axisLabel: { formatter: percent }, splitLine: { show: false } }
      ],
      series: [
        { type: "bar", name: received.name, data: received.values, barMaxWidth: 28 },
        { type: "line", name: onTime.name, data: onTime.values, yAxisIndex: 1, connectNulls: false,
          tooltip: { valueFormatter: function (v) { return v == null ? "—" : v + "%"; } } }
      ]
    };
  }

  // bars: one horizontal bar per label, the first at the top.
  function barsOption(d, narrow) {
    var s = d.series[0];
    return {
      color: colors, animation: false, textStyle: { fontFamily: font },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, renderMode: "richText",
        valueFormatter: function (v) { return v == null ? "—" : (s.percent ? v + "%" : String(v)); } },
      grid: { left: 8, right: 48, top: 8, bottom: 8, containLabel: true },
      xAxis: s.percent ? { type: "value", min: 0, max: 100, interval: narrow ? 50 : 20, axisLabel: { formatter: percent } }
        : { type: "value", minInterval: 1 },
      yAxis: { type: "category", inverse: true, data: d.labels,
        axisLabel: { width: narrow ? 96 : 180, overflow: "truncate" } },
      series: [{ type: "bar", name: s.name, data: s.values, barMaxWidth: 22,
        label: { show: true, position: "right", formatter: function (p) { return p.value == null ? "—" : (s.percent ? p.value + "%" : p.value); } } }]
    };
  }

  function setup(el) {
    var id = el.getAttribute("data-chart");
    var source = document.getElementById(id + "-data");
    var table = document.getElementById(id + "-table");
    var button = document.querySelector('[data-chart-toggle="' + id + '"]');
    if (!source || !table || !button) { return; }
    var d;
    try { d = JSON.parse(source.textContent); } catch (e) { return; }
    if (d.kind === "bars") {
      el.style.height = Math.max(160, d.labels.length * 34 + 40) + "px";
    }
    el.hidden = false;
    var chart = window.echarts.init(el, null, { renderer: "canvas" });
    chart.setOption(d.kind === "bars" ? barsOption(d, el.clientWidth < 500) : trendOption(d));
    charts.push(chart);
    table.classList.add("is-collapsed");
    button.setAttribute("aria-pressed", "false");
    button.hidden = false;
    button.addEventListener("click", function () {
      var showTable = button.getAttribute("aria-pressed") !== "true";
      button.setAttribute("aria-pressed", showTable ? "true" : "false");
      table.classList.toggle("is-collapsed", !showTable);
      el.hidden = showTable;
      if (!showTable) { chart.resize(); }
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-chart]"), setup);
  var pending = 0;
  window.addEventListener("resize", function () {
    window.clearTimeout(pending);
    pending = window.setTimeout(function () { charts.forEach(function (c) { c.resize(); }); }, 150);
  });
})();
